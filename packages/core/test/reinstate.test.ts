/**
 * A peer ejected because it could not be reached is reinstated as soon as a connection to it is up again,
 * not after its ejection time (30 s): the partition suite's flapping links found this.
 */
import test from 'ava'
import { createNode } from '../src/index.js'
import { waitFor } from './helpers/wait.js'
import type { PeercallNode } from '../src/index.js'
import type { Node } from '../src/node.js'

test('a peer ejected across a cut takes calls again within seconds of the heal', async t => {
  t.timeout(90_000)
  let blocked = ''
  const client = await createNode({
    membership: { profile: 'fast' },
    connectionGater: {
      denyDialPeer: async p => p.toString() === blocked,
      denyInboundEncryptedConnection: async p => p.toString() === blocked,
      denyOutboundEncryptedConnection: async p => p.toString() === blocked
    }
  }) as Node
  const nodes: PeercallNode[] = [client]
  t.teardown(async () => { await Promise.all(nodes.map(async n => { await n.stop().catch(() => {}) })) })
  const served = new Map<string, number>()
  for (let i = 0; i < 2; i++) {
    const n = await createNode({ membership: { profile: 'fast' }, bootstrap: [client.multiaddrs[0]] })
    nodes.push(n)
    n.register('Who', { id: () => { served.set(n.peerId, (served.get(n.peerId) ?? 0) + 1); return n.peerId } }, { idempotent: true })
  }
  const b = nodes[1].peerId
  await waitFor(() => client.members().filter(m => m.state === 'alive' && m.services.includes('Who')).length === 2, 20_000, 'both hosts seen')
  // cut the client from b: calls that pick b fail to connect and go to the other host; b gets ejected
  blocked = b
  const conn = client.libp2p.getConnections().find(c => c.remotePeer.toString() === b)
  if (conn !== undefined) await client.libp2p.hangUp(conn.remotePeer).catch(() => {})
  await waitFor(async () => {
    await client.call('Who', 'id', [], { timeoutMs: 2000 })
    return client.balancer.stats(b).state === 'ejected'
  }, 20_000, 'b ejected at the client')
  t.true(client.balancer.stats(b).ejectedForMs > 10_000, 'an ejection lasts tens of seconds')
  // heal: membership reconnects to b; b must serve again long before its ejection would end
  blocked = ''
  const healedAt = Date.now()
  await waitFor(async () => await client.call('Who', 'id', [], { timeoutMs: 2000 }) === b, 10_000, 'b serving the client again')
  t.log(`b served again ${Date.now() - healedAt} ms after the heal`)
  t.true(Date.now() - healedAt < 10_000)
})
