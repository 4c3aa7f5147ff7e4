/**
 * Background peers of the idle-memory measurement: `node peers.js <count> [<bootstrap-multiaddr>]` starts `count`
 * peercall nodes serving Echo in this process, the first bootstrapping from the address given (or none), the
 * others from the first; prints `{"ready":true,"address":<the first's multiaddr>}` once all are up, then idles.
 */
import { createNode, type PeercallNode } from '@peercall/core'
import { emit, exitWithParent } from '../harness/child.js'
import { ECHO_METHOD, ECHO_SERVICE } from '../echo.js'

const count = Number(process.argv[2] ?? '1')
const bootstrap = process.argv[3]
const nodes: PeercallNode[] = []
exitWithParent(async () => { await Promise.all(nodes.map(async (n) => { await n.stop() })) })
for (let i = 0; i < count; i++) {
  const seed = i === 0 ? bootstrap : nodes[0].multiaddrs[0]
  const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: seed === undefined ? [] : [seed] })
  node.register(ECHO_SERVICE, { [ECHO_METHOD]: (payload: string) => payload })
  nodes.push(node)
}
emit({ ready: true, address: nodes[0].multiaddrs[0] })
