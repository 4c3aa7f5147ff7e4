/**
 * The replicated key-value example: writes land on W = 2 of the key's 3 owners, reads take the newest of R = 2,
 * a dead owner keeps its place, a restarted owner catches up before its copies count, and hostile input
 * (forged versions, replication from a non-member, a clock far ahead) is refused.
 */
import test from 'ava'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { createNode, loadOrCreateIdentity, RpcError } from '@peercall/core'
import { KV_SERVICE, ReplicatedKeyValue, kvClient } from '../src/kv-replica.js'
import type { CopyResult, ReplicatedKvOptions } from '../src/kv-replica.js'
import type { PeercallNode } from '@peercall/core'
import type { PrivateKey } from '@libp2p/interface'

interface Peer { node: PeercallNode, kv: ReplicatedKeyValue }

async function waitFor (cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}

const FAST: ReplicatedKvOptions = { settleMs: 300, freshIdentity: true }

async function start (bootstrap: string[], options: ReplicatedKvOptions = FAST, privateKey?: PrivateKey): Promise<Peer> {
  const node = await createNode({ bootstrap, membership: { profile: 'fast' }, privateKey })
  return { node, kv: new ReplicatedKeyValue(node, options).attach() }
}

async function stopAll (peers: Peer[]): Promise<void> {
  await Promise.all(peers.map(async p => { p.kv.detach(); await p.node.stop().catch(() => {}) }))
}

async function crash (p: Peer): Promise<void> {
  p.kv.detach()
  await (p.node as unknown as { libp2p: { stop: () => Promise<void> } }).libp2p.stop()
}

async function cluster (n: number, t: { teardown: (fn: () => Promise<void>) => void }): Promise<Peer[]> {
  const peers: Peer[] = []
  t.teardown(async () => { await stopAll(peers) })
  peers.push(await start([]))
  for (let i = 1; i < n; i++) peers.push(await start([peers[0].node.multiaddrs[0]]))
  await waitFor(() => peers.every(p => p.kv.status().ready && p.kv.status().alive === n), 20_000, 'every store ready and seeing the others')
  return peers
}

test('writes reach W owners; reads survive an owner dying, which keeps its place; a join takes its keys over', async t => {
  t.timeout(120_000)
  const peers = await cluster(5, t)
  const client = await createNode({ bootstrap: [peers[0].node.multiaddrs[0]], membership: { profile: 'fast' } })
  t.teardown(async () => { await client.stop() })
  await waitFor(() => client.members().filter(m => m.state === 'alive' && m.services.includes(KV_SERVICE)).length === 5, 20_000, 'client sees the cluster')

  const kv = kvClient(client)
  const KEYS = 100
  for (let i = 0; i < KEYS; i++) {
    const r = await kv.put(`key-${i}`, { i })
    t.true(r.copies >= 2, `put key-${i} acknowledged with ${r.copies} copies`)
  }
  const holders = (key: string): number => peers.filter(p => p.kv.entry(key) !== undefined).length
  await waitFor(() => Array.from({ length: KEYS }, (_, i) => holders(`key-${i}`)).every(n => n === 3), 15_000, 'three copies of every key')
  // every peer computes the same preference list
  for (let i = 0; i < KEYS; i++) t.deepEqual(new Set(peers.map(p => p.kv.owners(`key-${i}`).join())).size, 1)

  const before = peers[1].kv.owners('key-0')
  const victim = peers.find(p => p.node.peerId === before[0])!
  await crash(victim)
  const survivors = peers.filter(p => p !== victim)
  for (let i = 0; i < KEYS; i++) t.deepEqual(await kv.get(`key-${i}`), { i }, `key-${i} after the owner died`)
  await waitFor(() => survivors.every(p => p.node.members().find(m => m.peerId === victim.node.peerId)?.state === 'dead'), 20_000, 'victim dead everywhere')
  // the dead owner keeps its place: preference lists do not move, writes still need 2 of the 3 owners
  t.deepEqual(survivors[0].kv.owners('key-0'), before)
  for (let i = 0; i < KEYS; i++) t.true((await kv.put(`key-${i}`, { i, again: true })).copies >= 2)

  // a newcomer joins: it receives the keys it now owns, and the others hand over the keys they no longer own
  const newcomer = await start([survivors[0].node.multiaddrs[0]])
  peers.splice(peers.indexOf(victim), 1, newcomer)
  await waitFor(() => newcomer.kv.size() > 0, 20_000, 'newcomer takes keys')
  await waitFor(() => newcomer.kv.status().ready, 20_000, 'newcomer caught up')
  const live = (key: string): number => peers[0].kv.owners(key).filter(p => p !== victim.node.peerId).length
  await waitFor(() => Array.from({ length: KEYS }, (_, i) => holders(`key-${i}`) === live(`key-${i}`)).every(Boolean), 20_000, 'a copy on each live owner and nowhere else').catch(err => {
    for (let i = 0; i < KEYS; i++) if (holders(`key-${i}`) !== live(`key-${i}`)) t.log(`key-${i}`, holders(`key-${i}`), live(`key-${i}`), peers.map(p => [p.node.peerId.slice(-4), p.kv.entry(`key-${i}`) !== undefined, p.kv.owners(`key-${i}`).map(x => x.slice(-4)).join(), p.kv.status()]))
    throw err
  })
  for (let i = 0; i < KEYS; i++) t.deepEqual(await kv.get(`key-${i}`), { i, again: true })
})

test('last writer wins by hybrid logical clock; a read repairs the older copy before answering', async t => {
  t.timeout(60_000)
  const [a, b] = await cluster(2, t)
  const kv = kvClient(a.node)
  for (let v = 0; v < 20; v++) await kv.put('x', v)
  t.is(await kv.get('x'), 19)
  t.is(await b.node.call(KV_SERVICE, 'get', ['x'], { peer: b.node.peerId }), 19)
  // an older copy on b: the read returns a's newer one and writes it back to b
  const newest = a.kv.entry('x')!
  b.kv.replicate([['only-on-b', { value: 42, version: { wall: Date.now() - 10, logical: 0, by: b.node.peerId } }]])
  t.is(a.kv.entry('only-on-b'), undefined)
  t.is(await a.node.call(KV_SERVICE, 'get', ['only-on-b'], { peer: a.node.peerId }), 42)
  t.is(a.kv.entry('only-on-b')?.value, 42, 'repaired on a')
  t.deepEqual(b.kv.entry('x'), newest)
})

test('hostile input: forged, non-finite and far-future versions are refused, and a non-member may not replicate', async t => {
  t.timeout(60_000)
  const [a, b] = await cluster(2, t)
  const outsider = await createNode({ bootstrap: [a.node.multiaddrs[0]], membership: { profile: 'fast' } })
  t.teardown(async () => { await outsider.stop() })
  await kvClient(a.node).put('k', 'honest')
  const forge = async (from: PeercallNode, version: unknown): Promise<unknown> =>
    await from.call(KV_SERVICE, 'replicate', [[['k', { value: 'forged', version }]]], { peer: a.node.peerId, timeoutMs: 2000 })

  // a member forging versions
  for (const v of [{ wall: Number.NaN, logical: 0, by: 'x' }, { wall: Infinity, logical: 0, by: 'x' }, { wall: 1.5, logical: 0, by: 'x' }, { wall: 1, logical: -1, by: 'x' }, { wall: 1, logical: 0 }, 'v', null]) {
    const err = await t.throwsAsync(forge(b.node, v), { instanceOf: RpcError })
    t.is(err?.code, 'INVALID_ARGUMENT', `version ${JSON.stringify(v)}`)
  }
  const ahead = await forge(b.node, { wall: 8.64e15, logical: 0, by: b.node.peerId }) as CopyResult[]
  t.deepEqual(ahead, [{ ok: false, reason: 'clock-offset' }])
  const twoSeconds = await forge(b.node, { wall: Date.now() + 2000, logical: 0, by: b.node.peerId }) as CopyResult[]
  t.deepEqual(twoSeconds, [{ ok: false, reason: 'clock-offset' }])
  t.is(a.kv.stats().clockRejects, 2)
  t.is(a.kv.entry('k')?.value, 'honest')
  t.is(await kvClient(a.node).get('k'), 'honest')
  await kvClient(a.node).put('k', 'later')
  t.is(await kvClient(b.node).get('k'), 'later', 'a later write is not hidden')

  // a peer that does not host the store: replication and quorum reads refused, public reads allowed
  await waitFor(() => outsider.members().some(m => m.peerId === a.node.peerId && m.state === 'alive'), 20_000, 'outsider connected')
  const refused = await t.throwsAsync(forge(outsider, { wall: Date.now(), logical: 0, by: outsider.peerId }), { instanceOf: RpcError })
  t.is(refused?.code, 'PERMISSION_DENIED')
  t.is((await t.throwsAsync(outsider.call(KV_SERVICE, 'pull', [], { peer: a.node.peerId }), { instanceOf: RpcError }))?.code, 'PERMISSION_DENIED')
  t.is(await kvClient(outsider).get('k'), 'later')
  t.is(a.kv.entry('k')?.value, 'later')
  t.true(a.kv.stats().refused >= 2)
})

test('a peer whose clock is 2 s ahead cannot store its versions anywhere, even by a copy delayed on its way; the put fails with the reason', async t => {
  t.timeout(60_000)
  const a = await start([])
  const b = await start([a.node.multiaddrs[0]])
  const fast = await start([a.node.multiaddrs[0]], { ...FAST, now: () => Date.now() + 2000 })
  const peers = [a, b, fast]
  t.teardown(async () => { await stopAll(peers) })
  await waitFor(() => peers.every(p => p.kv.status().ready && p.kv.status().alive === 3), 20_000, 'ready')
  const err = await t.throwsAsync(fast.node.call(KV_SERVICE, 'put', ['skewed', 1], { peer: fast.node.peerId }), { instanceOf: RpcError })
  t.is(err?.code, 'UNAVAILABLE')
  t.regex(err?.message ?? '', /clock is off/)
  t.true(a.kv.stats().clockRejects + b.kv.stats().clockRejects >= 2)
  t.true(peers.every(p => p.kv.entry('skewed') === undefined), 'stored nowhere, not even on the skewed peer')
  // a put through an honest peer succeeds, and the skewed peer's reads still work
  await kvClient(a.node).put('skewed', 2)
  t.is(await fast.node.call(KV_SERVICE, 'get', ['skewed'], { peer: fast.node.peerId }), 2)
  // a copy from the skewed peer that was delayed on its way (sent 1.6 s before it is read, by a clock 2 s ahead)
  // looks only 400 ms ahead: it is refused because its stamping peer is known to run 2 s ahead, whoever relays it
  const late = { value: 3, version: { wall: Date.now() + 400, logical: 0, by: fast.node.peerId } }
  const replicate = async (from: Peer, entry: unknown): Promise<Array<{ ok: boolean, reason?: string }>> =>
    await from.node.call(KV_SERVICE, 'replicate', [[['skewed', entry]], Date.now() + (from === fast ? 400 : 0)], { peer: a.node.peerId })
  t.like((await replicate(fast, late))[0], { ok: false, reason: 'clock-offset' })
  t.like((await replicate(b, late))[0], { ok: false, reason: 'clock-offset' })
  t.is(a.kv.entry('skewed')?.value, 2)
  // an honest peer's copy is taken
  t.like((await replicate(b, { value: 4, version: { wall: Date.now(), logical: 0, by: b.node.peerId } }))[0], { ok: true })
  t.is(a.kv.entry('skewed')?.value, 4)
})

/**
 * Three peers with identity files, `count` keys `<prefix>-<i>` = i written, then the third crashed (memory lost)
 * and seen dead: what a restart test starts from. The third's identity is `keys[2]`.
 */
async function crashedThird (t: { teardown: (fn: () => Promise<void>) => void }, prefix: string, count: number): Promise<{ peers: Peer[], keys: PrivateKey[], kv: ReturnType<typeof kvClient> }> {
  const dir = await mkdtemp(join(tmpdir(), 'kv-restart-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const keys = await Promise.all([0, 1, 2].map(async i => await loadOrCreateIdentity(join(dir, `${i}.key`))))
  const peers: Peer[] = []
  t.teardown(async () => { await stopAll(peers) })
  peers.push(await start([], FAST, keys[0]))
  peers.push(await start([peers[0].node.multiaddrs[0]], FAST, keys[1]))
  peers.push(await start([peers[0].node.multiaddrs[0]], FAST, keys[2]))
  await waitFor(() => peers.every(p => p.kv.status().ready && p.kv.status().alive === 3), 20_000, 'ready')
  const kv = kvClient(peers[0].node)
  for (let i = 0; i < count; i++) await kv.put(`${prefix}-${i}`, i)
  await crash(peers[2])
  await waitFor(() => peers[0].node.members().find(m => m.peerId === peers[2].node.peerId)?.state === 'dead', 20_000, 'dead')
  return { peers, keys, kv }
}

test('a coordinator that sees fewer than W or R of the key\'s owners alive refuses at once, unrun, and stores nothing', async t => {
  t.timeout(90_000)
  const { peers } = await crashedThird(t, 'd', 10)
  const [a, b] = peers
  const before = a.kv.entry('d-0')
  await crash(b)
  await waitFor(() => a.node.members().find(m => m.peerId === b.node.peerId)?.state !== 'alive', 20_000, 'b not alive in a\'s view')
  // every key has 3 owners (the whole roster), of which a alone is alive: no copy is asked for or waited on
  for (const [method, args, needed] of [['get', ['d-0'], 2], ['put', ['d-0', 'late'], 2]] as const) {
    const err = await t.throwsAsync(a.node.call(KV_SERVICE, method, [...args], { peer: a.node.peerId, timeoutMs: 5000 }), { instanceOf: RpcError })
    t.is(err?.code, 'UNAVAILABLE', method)
    t.false(err?.mayHaveExecuted, `${method} refused unrun`)
    t.like(err?.data, { reason: 'owners-down', alive: 1, needed }, method)
  }
  t.is(a.kv.stats().ownersDown, 2)
  t.deepEqual(a.kv.entry('d-0'), before, 'the refused put stored nothing')
})

test('owners alive in membership that leave copy requests unanswered count as down until they are heard again', async t => {
  t.timeout(90_000)
  const peers = await cluster(3, t)
  const [a, b, c] = peers
  // b and c keep answering probes (alive in every view) but their store stops answering copy requests, as across
  // a partition that a third party straddles
  type Handlers = { replicate: unknown, copy: unknown }
  const deaf = (p: Peer): () => void => {
    const kv = p.kv as unknown as Handlers
    const saved = { replicate: kv.replicate, copy: kv.copy }
    kv.replicate = kv.copy = async () => await new Promise(() => {})
    return () => { delete (kv as Partial<Handlers>).replicate; delete (kv as Partial<Handlers>).copy; t.is(kv.replicate, saved.replicate) }
  }
  const hearB = deaf(b)
  deaf(c)
  const put = async (value: string): Promise<unknown> => await a.node.call(KV_SERVICE, 'put', ['s', value], { peer: a.node.peerId, timeoutMs: 5000 })
  // the first put waits for the copies until their timeout, and fails
  const first = await t.throwsAsync(put('one'), { instanceOf: RpcError })
  t.not((first?.data as { reason?: string } | undefined)?.reason, 'owners-down', 'asked b and c, and waited')
  t.true(a.node.members().filter(m => m.state === 'alive').length === 3, 'b and c alive in membership')
  // now both are silent to a: refused at once, unrun
  const second = await t.throwsAsync(put('two'), { instanceOf: RpcError })
  t.like(second, { code: 'UNAVAILABLE', mayHaveExecuted: false, data: { reason: 'owners-down', alive: 1 } })
  const read = await t.throwsAsync(a.node.call(KV_SERVICE, 'get', ['s'], { peer: a.node.peerId, timeoutMs: 5000 }), { instanceOf: RpcError })
  t.like(read, { code: 'UNAVAILABLE', mayHaveExecuted: false, data: { reason: 'owners-down' } })
  // b answers again: a hears from it (b's own requests, anti-entropy) and writes go through
  hearB()
  await waitFor(async () => await put('three').then(() => true, () => false), 20_000, 'a put acknowledged once b is heard again')
  t.is(b.kv.entry('s')?.value, 'three')
})

test('a restarted owner (memory lost) catches up before its copies count', async t => {
  t.timeout(90_000)
  const { peers, keys, kv } = await crashedThird(t, 'r', 30)
  // written while it is down: on the two others only
  for (let i = 0; i < 30; i++) await kv.put(`r-${i}`, i + 100)
  const id = peers[2].node.peerId
  const back = await start([peers[0].node.multiaddrs[0]], { settleMs: 300 }, keys[2])
  peers[2] = back
  t.is(back.node.peerId, id)
  // the restarted peer's own copies never answer a quorum read before it has pulled
  const early = back.kv.status()
  if (!early.ready) t.throws(() => back.kv.copy('r-0'), { instanceOf: RpcError })
  await waitFor(() => back.kv.status().ready, 20_000, 'caught up')
  for (let i = 0; i < 30; i++) t.is(back.kv.entry(`r-${i}`)?.value, i + 100, 'pulled the writes it missed')
  for (let i = 0; i < 30; i++) t.is(await back.node.call(KV_SERVICE, 'get', [`r-${i}`], { peer: back.node.peerId }), i + 100)
})

test('a restarted owner that meets the cluster only after its settle time still pulls before its copies count', async t => {
  // its membership found no one in time (a slow bootstrap on a loaded machine): it was ready alone, so the peers
  // it meets afterwards are not new to the cluster and may hold the writes it lost
  t.timeout(90_000)
  const { peers, keys } = await crashedThird(t, 'a', 20)
  const back = await start([], { settleMs: 300 }, keys[2])
  peers[2] = back
  await waitFor(() => back.kv.status().ready, 20_000, 'ready alone')
  t.is(back.kv.status().roster, 1)
  await (back.node as unknown as { libp2p: { dial: (a: unknown) => Promise<unknown> } }).libp2p.dial(multiaddr(peers[0].node.multiaddrs[0]))
  await waitFor(() => back.kv.status().roster === 3, 20_000, 'the restarted peer sees the roster')
  // at once, before any pull: its empty copies must not answer a quorum read
  for (let i = 0; i < 20; i++) {
    try {
      t.is(back.kv.copy(`a-${i}`)?.value, i, 'a copy that counts is the acknowledged one')
    } catch (err) {
      t.is((err as RpcError).code, 'UNAVAILABLE')
    }
  }
  await waitFor(() => back.kv.stats().pulls >= 2, 20_000, 'pulled from both')
  for (let i = 0; i < 20; i++) t.is(back.kv.entry(`a-${i}`)?.value, i, 'pulled what it lost')
  for (let i = 0; i < 20; i++) t.is(await back.node.call(KV_SERVICE, 'get', [`a-${i}`], { peer: back.node.peerId }), i)
})
