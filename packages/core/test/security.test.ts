/**
 * Security features on real libp2p nodes on loopback: private clusters (pre-shared key), the peer allowlist
 * (connection gater, RPC layer, membership view), identities that survive a restart, per-service authorization.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { allowlistGater, createNode, generateClusterKey, loadOrCreateIdentity, PeerAllowlist, resolveClusterKey, restrictMethods, RpcError, writeClusterKey } from '../src/index.js'
import { ServerCall } from '../src/server/context.js'
import { waitFor } from './helpers/wait.js'
import type { AuthorizeRequest, NodeOptions, PeercallNode } from '../src/index.js'
import type { Node } from '../src/node.js'
import type { PrivateKey } from '@libp2p/interface'
import { rejection } from './helpers/rejection.js'

const FAST: NodeOptions = { membership: { profile: 'fast' } }

type Teardown = { teardown: (fn: () => Promise<void>) => void }

async function start (t: Teardown, options: NodeOptions = {}): Promise<PeercallNode> {
  const node = await createNode({ ...FAST, ...options })
  t.teardown(async () => { await node.stop().catch(() => {}) })
  return node
}


async function identity (): Promise<{ key: PrivateKey, id: string }> {
  const key = await generateKeyPair('Ed25519') as unknown as PrivateKey
  return { key, id: peerIdFromPrivateKey(key as never).toString() }
}

function connectedTo (node: PeercallNode, peer: string): boolean {
  return (node as Node).libp2p.getConnections().some(c => c.remotePeer.toString() === peer)
}

const echo = { echo: (x: unknown) => x }

// ---------------------------------------------------------------- cluster key

test('cluster key: resolveClusterKey takes bytes, text or a file, and names a malformed key', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'peercall-key-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const key = generateClusterKey()
  const text = new TextDecoder().decode(key)
  t.regex(text, /^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}$/)
  t.deepEqual(await resolveClusterKey(key), key)
  t.deepEqual(await resolveClusterKey(text), key)
  const path = join(dir, 'cluster.key')
  const written = await writeClusterKey(path)
  t.is((await stat(path)).mode & 0o777, 0o600)
  t.deepEqual(await resolveClusterKey(path), written)
  await t.throwsAsync(writeClusterKey(path), { code: 'EEXIST' }) // never overwrites a key
  await writeFile(join(dir, 'bad.key'), 'not a key')
  await t.throwsAsync(resolveClusterKey(join(dir, 'bad.key')), { message: /not a cluster key/ })
  await t.throwsAsync(resolveClusterKey(join(dir, 'missing.key')), { message: /cannot read cluster key/ })
  await t.throwsAsync(createNode({ clusterKey: new Uint8Array(95) }), { message: /not a cluster key/ })
})

test('cluster key: peers with the key form a cluster; a peer without it, or with another, cannot connect or call', async t => {
  t.timeout(90_000)
  const key = generateClusterKey()
  const a = await start(t, { clusterKey: key })
  a.register('Echo', echo)
  const b = await start(t, { clusterKey: new TextDecoder().decode(key), bootstrap: [a.multiaddrs[0]] })
  await waitFor(() => b.members().some(m => m.peerId === a.peerId && m.state === 'alive' && m.services.includes('Echo')), 15_000, 'b sees a')
  t.is(await b.call('Echo', 'echo', ['in']), 'in')
  t.is(await a.call('Echo', 'echo', ['local'], { peer: a.peerId }), 'local')

  const open = await start(t) // no key
  const other = await start(t, { clusterKey: generateClusterKey() }) // another cluster's key
  for (const outsider of [open, other]) {
    const err = await rejection(outsider.call('Echo', 'echo', ['x'], { peer: a.multiaddrs[0], timeoutMs: 8_000 }))
    t.true(err.code === 'UNAVAILABLE' || err.code === 'DEADLINE_EXCEEDED', err.code)
    t.false(err.mayHaveExecuted)
    // and the other way round: a cannot reach the outsider either
    const back = await rejection(a.call('Echo', 'echo', ['x'], { peer: outsider.multiaddrs[0], timeoutMs: 8_000 }))
    t.true(back.code === 'UNAVAILABLE' || back.code === 'DEADLINE_EXCEEDED', back.code)
    t.false(connectedTo(a, outsider.peerId))
    t.false(a.members().some(m => m.peerId === outsider.peerId))
  }
  // the cluster still works
  t.is(await b.call('Echo', 'echo', ['still'], { peer: a.peerId }), 'still')
})

// ---------------------------------------------------------------- allowlist

test('allowlist unit: entries may be ids or multiaddrs; the gater denies the unlisted first, then asks the user gater', async t => {
  const [x, y, z] = [await identity(), await identity(), await identity()]
  const px = peerIdFromPrivateKey(x.key as never)
  const py = peerIdFromPrivateKey(y.key as never)
  const pz = peerIdFromPrivateKey(z.key as never)
  const list = new PeerAllowlist([x.id, `/ip4/10.0.0.1/tcp/4001/p2p/${y.id}`])
  t.true(list.has(x.id) && list.has(py) && !list.has(z.id))
  t.throws(() => new PeerAllowlist([''] as string[]), { message: /peer id/ })
  const asked: string[] = []
  const gater = allowlistGater(list, { denyDialPeer: peer => { asked.push(peer.toString()); return peer.equals(py) } })
  const table: Array<[string, typeof px, boolean]> = [['listed, user allows', px, false], ['listed, user denies', py, true], ['unlisted', pz, true]]
  for (const [what, peer, denied] of table) t.is(await gater.denyDialPeer?.(peer), denied, what)
  t.deepEqual(asked, [x.id, y.id])
  for (const hook of ['denyInboundEncryptedConnection', 'denyOutboundEncryptedConnection', 'denyInboundUpgradedConnection', 'denyOutboundUpgradedConnection', 'denyOutboundConnection'] as const) {
    t.true(await gater[hook]?.(pz, {} as never), hook)
    t.false(await gater[hook]?.(px, {} as never), hook)
  }
  t.true(await gater.denyInboundRelayedConnection?.(px, pz))
})

test('restrictMethods unit: named methods only for their peers, "*" for anyone, others open', t => {
  const rule = restrictMethods({ put: ['admin'], delete: ['admin', 'ops'], ping: '*' })
  const cases: Array<[string, string, boolean]> = [
    ['admin', 'put', true], ['reader', 'put', false], ['ops', 'delete', true], ['ops', 'put', false],
    ['reader', 'ping', true], ['reader', 'get', true]
  ]
  for (const [peer, method, ok] of cases) t.is(rule({ peer, service: 'KV', method }), ok, `${peer} ${method}`)
})

test('allowlist: the gater keeps unlisted peers out both ways; listed peers call', async t => {
  t.timeout(60_000)
  const [ka, kb] = [await identity(), await identity()]
  const a = await start(t, { privateKey: ka.key, allowPeers: [kb.id] })
  a.register('Echo', echo)
  const b = await start(t, { privateKey: kb.key, allowPeers: [ka.id] })
  const c = await start(t)
  c.register('Echo', echo)
  t.is(await b.call('Echo', 'echo', [1], { peer: a.multiaddrs[0] }), 1)
  const denied = await rejection(c.call('Echo', 'echo', [1], { peer: a.multiaddrs[0], timeoutMs: 5_000 }))
  t.true(denied.code === 'UNAVAILABLE' || denied.code === 'DEADLINE_EXCEEDED', denied.code)
  t.false(denied.mayHaveExecuted)
  const out = await rejection(a.call('Echo', 'echo', [1], { peer: c.multiaddrs[0], timeoutMs: 5_000 }))
  t.true(out.code === 'UNAVAILABLE' || out.code === 'DEADLINE_EXCEEDED', out.code)
  t.false(connectedTo(a, c.peerId))
  t.true(connectedTo(a, kb.id))
})

test('allowlist: composes with a user connectionGater (both must allow)', async t => {
  t.timeout(60_000)
  const [kb, kc] = [await identity(), await identity()]
  const asked: string[] = []
  const a = await start(t, {
    allowPeers: [kb.id, kc.id],
    connectionGater: {
      denyInboundEncryptedConnection: (peer) => { asked.push(peer.toString()); return peer.toString() === kc.id }
    }
  })
  a.register('Echo', echo)
  const b = await start(t, { privateKey: kb.key })
  const c = await start(t, { privateKey: kc.key })
  const d = await start(t)
  t.is(await b.call('Echo', 'echo', ['b'], { peer: a.multiaddrs[0] }), 'b')
  for (const [who, why] of [[c, 'denied by the user gater'], [d, 'not on the allowlist']] as const) {
    const err = await rejection(who.call('Echo', 'echo', ['x'], { peer: a.multiaddrs[0], timeoutMs: 5_000 }))
    t.true(err.code === 'UNAVAILABLE' || err.code === 'DEADLINE_EXCEEDED', `${why}: ${err.code}`)
  }
  t.true(asked.includes(kb.id) && asked.includes(kc.id))
  t.false(asked.includes(d.peerId)) // the allowlist refused d before the user's gater was asked
})

test('allowlist: checked again at the RPC layer: a call from an unlisted peer is PERMISSION_DENIED', async t => {
  t.timeout(30_000)
  const k = await identity()
  const a = await start(t, { allowPeers: [k.id] })
  let ran = 0
  a.register('Echo', { echo: (x: unknown) => { ran++; return x } })
  const serve = (peer: string): unknown => (a as unknown as { server: { dispatch: (c: ServerCall, args: unknown[]) => unknown } }).server.dispatch(
    new ServerCall(peer, 'Echo', 'echo', undefined, { wall: Date.now(), logical: 0 }, undefined, undefined), ['x'])
  t.is(serve(k.id), 'x')
  const stranger = (await identity()).id
  const err = t.throws(() => serve(stranger), { instanceOf: RpcError }) as RpcError
  t.is(err.code, 'PERMISSION_DENIED')
  t.false(err.mayHaveExecuted)
  t.is(ran, 1)
  // local calls are this peer's own
  t.is(await a.call('Echo', 'echo', ['me']), 'me')
})

test('allowlist: members that are not listed are neither shown nor routed to, even when gossip relays them', async t => {
  t.timeout(90_000)
  const [ka, kb, kc] = [await identity(), await identity(), await identity()]
  // b allows everyone; a only b; c reaches a's view only through b's gossip
  const b = await start(t, { privateKey: kb.key })
  const a = await start(t, { privateKey: ka.key, allowPeers: [kb.id], bootstrap: [b.multiaddrs[0]] })
  const c = await start(t, { privateKey: kc.key, bootstrap: [b.multiaddrs[0]] })
  for (const n of [b, c]) n.register('Who', { id: () => n.peerId }, { idempotent: true })
  await waitFor(() => b.members().filter(m => m.state === 'alive').length === 3, 20_000, 'b sees all three')
  await waitFor(() => a.members().some(m => m.peerId === kb.id && m.services.includes('Who')), 20_000, 'a sees b')
  // a's membership learns of c through b (gossipsub relays c's record, push-pull carries it), but a's node
  // neither shows nor routes to it
  await waitFor(() => (a as Node).membership.members().some(m => m.peerId === kc.id && m.state === 'alive' && m.services.includes('Who')), 20_000, "c in a's membership")
  t.false(a.members().some(m => m.peerId === kc.id))
  const seen = new Set<string>()
  for (let i = 0; i < 40; i++) seen.add(await a.call<string>('Who', 'id', [], { balance: 'round-robin' }))
  t.deepEqual([...seen], [kb.id])
  t.deepEqual(a.owners('Who', 'any-key'), [kb.id])
  t.false(connectedTo(a, kc.id))
})

// ---------------------------------------------------------------- identity

test('identity: a node restarted from its identity file keeps its peer id and is reachable under it', async t => {
  t.timeout(60_000)
  const dir = await mkdtemp(join(tmpdir(), 'peercall-id-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const file = join(dir, 'sub', 'peer.key')
  const first = await createNode({ ...FAST, privateKey: await loadOrCreateIdentity(file) })
  const id = first.peerId
  await first.stop()
  t.is((await stat(file)).mode & 0o777, 0o600)
  const again = await start(t, { privateKey: await loadOrCreateIdentity(file) })
  t.is(again.peerId, id)
  again.register('Echo', echo)
  const client = await start(t)
  // a peer that knew the old id reaches the restarted node by it
  t.is(await client.call('Echo', 'echo', ['back'], { peer: `${again.multiaddrs[0].slice(0, again.multiaddrs[0].lastIndexOf('/p2p/'))}/p2p/${id}` }), 'back')
  const other = await loadOrCreateIdentity(join(dir, 'other.key'))
  t.not(peerIdFromPrivateKey(other as never).toString(), id)
  await writeFile(join(dir, 'broken.key'), 'garbage')
  await t.throwsAsync(loadOrCreateIdentity(join(dir, 'broken.key')), { message: /cannot read identity/ })
})

// ---------------------------------------------------------------- authorization

function keyValue (): { store: Map<string, unknown>, impl: object } {
  const store = new Map<string, unknown>()
  return {
    store,
    impl: {
      get: (k: string) => store.get(k),
      put: (k: string, v: unknown) => { store.set(k, v); return true },
      delete: (k: string) => store.delete(k)
    }
  }
}

test('authorize: the hook sees the verified caller and method; refused calls are PERMISSION_DENIED and never run', async t => {
  t.timeout(60_000)
  const a = await start(t)
  const writer = await start(t)
  const reader = await start(t)
  const seen: AuthorizeRequest[] = []
  const kv = keyValue()
  const rules = restrictMethods({ put: [writer.peerId], delete: [writer.peerId] })
  a.register('KeyValue', kv.impl, { idempotent: ['get'], authorize: req => { seen.push(req); return rules(req) } })
  const at = { peer: a.multiaddrs[0] }
  t.true(await writer.call('KeyValue', 'put', ['k', 1], at))
  t.is(await reader.call('KeyValue', 'get', ['k'], at), 1)
  const err = await rejection(reader.call('KeyValue', 'put', ['k', 2], at))
  t.is(err.code, 'PERMISSION_DENIED')
  t.false(err.mayHaveExecuted)
  t.false(err.retryable)
  t.is(err.peer, a.peerId)
  t.is(kv.store.get('k'), 1) // the put never ran
  t.is((await rejection(reader.call('KeyValue', 'delete', ['k'], at))).code, 'PERMISSION_DENIED')
  t.true(kv.store.has('k'))
  t.deepEqual(seen.map(s => [s.peer, s.service, s.method]), [
    [writer.peerId, 'KeyValue', 'put'],
    [reader.peerId, 'KeyValue', 'get'],
    [reader.peerId, 'KeyValue', 'put'],
    [reader.peerId, 'KeyValue', 'delete']
  ])
  // restrictMethods lets methods it does not name through, so a missing one is NOT_FOUND...
  t.is((await rejection(reader.call('KeyValue', 'nope', [], at))).code, 'NOT_FOUND')
  // ...but a hook that refuses the caller answers before the lookup: the caller learns nothing of the methods
  a.register('Locked', { open: () => 1 }, { authorize: ({ peer }) => peer === writer.peerId })
  t.is((await rejection(reader.call('Locked', 'nope', [], at))).code, 'PERMISSION_DENIED')
  t.is((await rejection(writer.call('Locked', 'nope', [], at))).code, 'NOT_FOUND')
  t.is(await writer.call('Locked', 'open', [], at), 1)
  // local calls are authorized as this peer
  t.is((await rejection(a.call('KeyValue', 'put', ['k', 3]))).code, 'PERMISSION_DENIED')
})

test('authorize: async hooks, hooks that throw, and routed calls (not retried elsewhere)', async t => {
  t.timeout(60_000)
  const a = await start(t)
  const b = await start(t, { bootstrap: [a.multiaddrs[0]] })
  let runs = 0
  a.register('Async', {
    go: () => { runs++; return 'ran' },
    boom: () => { runs++; return 'ran' }
  }, {
    idempotent: true,
    authorize: async ({ peer, method }) => {
      await new Promise(resolve => setTimeout(resolve, 5))
      if (method === 'boom') throw new Error('policy store unreachable')
      return peer === a.peerId
    }
  })
  await waitFor(() => b.members().some(m => m.peerId === a.peerId && m.services.includes('Async')), 15_000, 'b sees Async')
  const denied = await rejection(b.call('Async', 'go', [], { retries: 3 }))
  t.is(denied.code, 'PERMISSION_DENIED')
  t.false(denied.mayHaveExecuted)
  const thrown = await rejection(b.call('Async', 'boom', [], { peer: a.peerId }))
  t.is(thrown.code, 'PERMISSION_DENIED')
  t.regex(thrown.message, /policy store unreachable/)
  t.is(runs, 0)
  t.is(await a.call('Async', 'go', []), 'ran')
  t.is(runs, 1)
  t.throws(() => { a.register('Bad', echo, { authorize: 'yes' as never }) }, { message: /authorize must be a function/ })
})
