/**
 * Short-lived clients: a peer marked `role: client` that leaves is dropped from the others' views at once; a
 * peer that hosted services and leaves is still shown as `left`. The mark survives the node's own meta updates.
 */
import test from 'ava'
import { CLIENT_META, createNode } from '../../src/index.js'
import { departedClient } from '../../src/client/role.js'
import { waitFor } from '../helpers/wait.js'
import type { PeercallNode } from '../../src/index.js'

test('departedClient: only clients that left or died', t => {
  t.true(departedClient({ state: 'left', meta: { role: 'client' } }))
  t.true(departedClient({ state: 'dead', meta: { role: 'client' } }))
  t.false(departedClient({ state: 'alive', meta: { role: 'client' } }))
  t.false(departedClient({ state: 'suspect', meta: { role: 'client' } }))
  t.false(departedClient({ state: 'left', meta: {} }))
  t.false(departedClient({ state: 'left' }))
})

test('real peers: a client that leaves is gone from the view at once; a server that leaves shows as left', async t => {
  t.timeout(40_000)
  const nodes: PeercallNode[] = []
  t.teardown(async () => { await Promise.all(nodes.map(async n => { await n.stop() })) })
  const opts = { listen: ['/ip4/127.0.0.1/tcp/0'] }
  const seed = await createNode({ ...opts, membership: { profile: 'fast' } })
  nodes.push(seed)
  const server = await createNode({ ...opts, bootstrap: [seed.multiaddrs[0]], membership: { profile: 'fast' } })
  nodes.push(server)
  server.register('Calculator', { add: (a: number, b: number) => a + b })
  const client = await createNode({ ...opts, bootstrap: [seed.multiaddrs[0]], membership: { profile: 'fast', meta: CLIENT_META } })
  client.register('Scratch', { x: () => 1 })   // its own services' meta is added to the mark, not in its place
  await waitFor(() => seed.members().some(m => m.peerId === client.peerId && m.state === 'alive' && m.meta.role === 'client' && m.meta['methods:Scratch'] === 'x'), 15_000, 'the client seen with its mark')
  await waitFor(() => seed.members().some(m => m.peerId === server.peerId && m.state === 'alive'), 15_000, 'the server seen')
  await client.stop()
  await server.stop()
  // without the mark the client would be listed as left for the tombstone's 5 minutes
  await waitFor(() => !seed.members().some(m => m.peerId === client.peerId), 10_000, 'the client gone from the view')
  await waitFor(() => seed.members().some(m => m.peerId === server.peerId && m.state === 'left'), 10_000, 'the server shown as left')
  t.is(seed.members().length, 2, 'the seed itself and the left server')
})
