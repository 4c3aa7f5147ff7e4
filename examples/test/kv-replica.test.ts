/**
 * The replicated key-value example: writes land on a quorum of the key's owners, reads survive the owner's
 * death, and recovery restores the replica count after a death and hands keys back after a join.
 */
import test from 'ava'
import { createNode } from '@peercall/core'
import { KV_SERVICE, ReplicatedKeyValue, kvClient } from '../src/kv-replica.js'
import type { PeercallNode } from '@peercall/core'

interface Peer { node: PeercallNode, kv: ReplicatedKeyValue }

async function waitFor (cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}

async function start (bootstrap: string[]): Promise<Peer> {
  const node = await createNode({ bootstrap, membership: { profile: 'fast' } })
  return { node, kv: new ReplicatedKeyValue(node).attach() }
}

function holders (peers: Peer[], key: string): number {
  return peers.filter(p => p.kv.entry(key) !== undefined).length
}

test('writes reach a quorum; reads survive the owner dying; recovery restores 3 copies; a join takes its keys back', async t => {
  t.timeout(120_000)
  const peers: Peer[] = []
  t.teardown(async () => { await Promise.all(peers.map(async p => { p.kv.detach(); await p.node.stop().catch(() => {}) })) })
  peers.push(await start([]))
  for (let i = 1; i < 5; i++) peers.push(await start([peers[0].node.multiaddrs[0]]))
  const client = await createNode({ bootstrap: [peers[0].node.multiaddrs[0]], membership: { profile: 'fast' } })
  t.teardown(async () => { await client.stop() })
  await waitFor(() => [...peers.map(p => p.node), client].every(n => n.members().filter(m => m.state === 'alive' && m.services.includes(KV_SERVICE)).length === 5), 20_000, 'convergence')

  const kv = kvClient(client)
  const KEYS = 200
  for (let i = 0; i < KEYS; i++) {
    const r = await kv.put(`key-${i}`, { i })
    t.true(r.copies >= 2, `put key-${i} acknowledged with ${r.copies} copies`)
  }
  await waitFor(() => Array.from({ length: KEYS }, (_, i) => holders(peers, `key-${i}`)).every(n => n === 3), 15_000, 'three copies of every key')

  // kill the owner of key-0 abruptly (no leave): reads still succeed, acknowledged writes are not lost
  const owner = client.owners(KV_SERVICE, 'key-0', 1)[0]
  const victim = peers.find(p => p.node.peerId === owner)!
  victim.kv.detach()
  await (victim.node as unknown as { libp2p: { stop: () => Promise<void> } }).libp2p.stop()
  const survivors = peers.filter(p => p !== victim)
  for (let i = 0; i < KEYS; i++) t.deepEqual(await kv.get(`key-${i}`), { i }, `key-${i} after the owner died`)

  // once the death is detected, recovery copies the victim's keys so every key has 3 copies again
  await waitFor(() => survivors.every(p => p.node.members().find(m => m.peerId === owner)?.state === 'dead'), 20_000, 'victim dead everywhere')
  await waitFor(() => Array.from({ length: KEYS }, (_, i) => holders(survivors, `key-${i}`)).every(n => n === 3), 20_000, 'replica count restored')
  peers.splice(peers.indexOf(victim), 1)

  // a newcomer joins: it receives the keys it now owns, and the old holders drop the ones they no longer own
  const newcomer = await start([survivors[0].node.multiaddrs[0]])
  peers.push(newcomer)
  await waitFor(() => newcomer.kv.size() > 0, 20_000, 'newcomer takes keys')
  await waitFor(() => Array.from({ length: KEYS }, (_, i) => holders(peers, `key-${i}`)).every(n => n === 3), 20_000, 'exactly three copies after the join')
  for (let i = 0; i < KEYS; i++) t.deepEqual(await kv.get(`key-${i}`), { i })
  t.true(newcomer.kv.size() >= KEYS * 3 / 5 * 0.5, `newcomer holds ${newcomer.kv.size()} keys`)
})

test('last writer wins by hybrid logical clock', async t => {
  t.timeout(60_000)
  const a = await start([])
  const b = await start([a.node.multiaddrs[0]])
  t.teardown(async () => { for (const p of [a, b]) { p.kv.detach(); await p.node.stop() } })
  await waitFor(() => a.node.members().filter(m => m.services.includes(KV_SERVICE) && m.state === 'alive').length === 2, 20_000, 'convergence')
  const kv = kvClient(a.node)
  for (let v = 0; v < 20; v++) await kv.put('x', v)
  t.is(await kv.get('x'), 19)
  t.is(await a.kv.get('x'), 19)
  t.is(await b.kv.get('x'), 19)
})

test('a peer without a copy answers a read from the other owners and keeps it (read repair)', async t => {
  t.timeout(60_000)
  const a = await start([])
  const b = await start([a.node.multiaddrs[0]])
  t.teardown(async () => { for (const p of [a, b]) { p.kv.detach(); await p.node.stop() } })
  await waitFor(() => a.node.members().filter(m => m.services.includes(KV_SERVICE) && m.state === 'alive').length === 2, 20_000, 'convergence')
  b.kv.replicate([['only-on-b', { value: 42, version: { wall: Date.now(), logical: 0, by: b.node.peerId } }]])
  t.is(a.kv.entry('only-on-b'), undefined)
  t.is(await a.node.call(KV_SERVICE, 'get', ['only-on-b'], { peer: a.node.peerId }), 42)
  t.is(a.kv.entry('only-on-b')?.value, 42)
  t.is(a.kv.stats().readRepairs, 1)
})
