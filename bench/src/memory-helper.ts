/**
 * A helper process of the memory measurement: `node memory-helper.js <count> <measured-address-json>` starts
 * `count` peercall nodes that join through the measured peer and each call its Echo once (so each has an RPC
 * stream to it), prints `{"ready":true}`, then stays idle until SIGTERM or until its parent goes away.
 */
import { createNode, type PeercallNode } from '@peercall/core'
import { emit, exitWithParent } from './harness/child.js'
import { CALL_TIMEOUT_MS } from './harness/defaults.js'
import { dialAddress, type PeercallAddress } from './targets/peercall-server.js'
import { ECHO_METHOD, ECHO_SERVICE } from './echo.js'

const count = Number(process.argv[2] ?? '0')
const measured = JSON.parse(process.argv[3] ?? 'null') as PeercallAddress
const nodes: PeercallNode[] = []
exitWithParent(async () => { await Promise.all(nodes.map(async (n) => { await n.stop() })) })
for (let i = 0; i < count; i++) {
  const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [dialAddress(measured)] })
  nodes.push(node)
  await node.call(ECHO_SERVICE, ECHO_METHOD, ['hello'], { peer: measured.peerId, timeoutMs: CALL_TIMEOUT_MS })
}
emit({ ready: true, peers: nodes.length })
