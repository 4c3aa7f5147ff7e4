/**
 * Checks mDNS discovery on this host's network (`node examples/dist/src/mdns-check.js`): two peers of one cluster
 * and one of another start with `mdns: true` and no bootstrap address. Exits 0 when the two find each other (and
 * call each other's Calculator) and the third stays apart; 1 otherwise, for example where multicast is filtered.
 * It sends multicast DNS on the LAN, which is why the test suite (loopback only) does not run it.
 */
import { createNode } from '@peercall/core'
import { calculator } from './calculator.js'
import type { PeercallNode } from '@peercall/core'

/** How long the peers may take to find each other, ms (@libp2p/mdns asks at start, then every 10 s). */
const FIND_WITHIN_MS = 15_000
/** How long the other cluster's peer is watched, ms. */
const APART_FOR_MS = 3000

const cluster = `mdns-check-${process.pid}`
const nodes: PeercallNode[] = []
let ok = false
try {
  const a = await createNode({ cluster, membership: { mdns: true } })
  const b = await createNode({ cluster, membership: { mdns: true } })
  const other = await createNode({ cluster: `${cluster}-other`, membership: { mdns: true } })
  nodes.push(a, b, other)
  a.register('Calculator', calculator)
  b.register('Calculator', calculator)
  const t0 = performance.now()
  try {
    // each hosts Calculator: two live hosts in a view means the other peer was found
    await Promise.all([a, b].map(async n => { await n.waitForServices(['Calculator'], { hosts: 2, timeoutMs: FIND_WITHIN_MS }) }))
  } catch {
    throw new Error(`the two peers did not find each other within ${FIND_WITHIN_MS} ms: is multicast (224.0.0.251, UDP 5353) allowed here?`)
  }
  const found = performance.now() - t0
  const sum = await a.call('Calculator', 'add', [2, 3], { peer: b.peerId })
  await new Promise(resolve => setTimeout(resolve, APART_FOR_MS))
  // (the node's libp2p is not public API; read here to show that mDNS did not even connect the other cluster)
  const crossed = (other as unknown as { libp2p: { getConnections: () => unknown[] } }).libp2p.getConnections().length
  console.log(JSON.stringify({ foundMs: Math.round(found), 'Calculator.add(2, 3) on the other peer': sum, otherClusterConnections: crossed, otherClusterMembers: other.members().length }))
  ok = sum === 5 && crossed === 0 && other.members().length === 1
} catch (err) {
  console.error((err as Error).message)
} finally {
  await Promise.allSettled(nodes.map(async n => { await n.stop() }))
}
process.exit(ok ? 0 : 1)
