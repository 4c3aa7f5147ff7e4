/**
 * Discovery and rejoining with real libp2p peers on 127.0.0.1 (fast profile, T = 500 ms): peers that libp2p's
 * peer discovery reports (what `@libp2p/mdns` does on a LAN; here a discovery service that the test drives, since
 * tests never leave loopback), a peer whose view empties going back to its bootstrap list, and a peer restarted with
 * its identity on a new address.
 */
import test from 'ava'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerDiscoverySymbol, serviceCapabilities } from '@libp2p/interface'
import { createMembership, FAST } from '../src/index.js'
import { createTestLibp2p, waitFor } from './helpers/cluster.js'
import type { Membership, MembershipNode, MembershipOptions } from '../src/index.js'
import type { Libp2p, PeerId, PrivateKey, PubSub } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const T = FAST.probeIntervalMs

/** A peer-discovery service the test drives: what `@libp2p/mdns` emits when a peer answers its query. */
class TestDiscovery extends EventTarget {
  readonly [peerDiscoverySymbol] = this
  readonly [Symbol.toStringTag] = 'test-discovery'
  readonly [serviceCapabilities] = ['@libp2p/peer-discovery']
  announce (id: PeerId, multiaddrs: Multiaddr[]): void {
    // as @libp2p/mdns reports them: addresses without the /p2p/ part
    this.dispatchEvent(new CustomEvent('peer', { detail: { id, multiaddrs: multiaddrs.map(m => m.decapsulateCode(421)) } }))
  }
}

type Node = Libp2p<{ pubsub: PubSub }>
const listenOf = (n: Node): string => n.getMultiaddrs()[0].toString().replace(/\/p2p\/.*$/, '')
const view = (m: Membership, id: string): { state: string, incarnation: number, addrs: string[] } | undefined => m.members().find(x => x.peerId === id)
const connected = (a: Node, b: string): boolean => a.getConnections().some(c => c.remotePeer.toString() === b && c.status === 'open')
const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

interface TestPeer { libp2p: Node, m: Membership, id: string, key: PrivateKey }

/** Peers of one test, all stopped by `stopAll` (fast profile). */
function testPeers (): {
  start: (o?: { key?: PrivateKey, listen?: string, services?: Record<string, (c: any) => unknown>, membership?: Partial<MembershipOptions> }) => Promise<TestPeer>
  leaveAndRestart: (p: TestPeer, membership?: Partial<MembershipOptions>) => Promise<TestPeer>
  stopAll: () => Promise<void>
} {
  const cluster = `disc-${Math.random().toString(36).slice(2, 8)}`
  const stops: Array<() => Promise<void>> = []
  const start = async (o: { key?: PrivateKey, listen?: string, services?: Record<string, (c: any) => unknown>, membership?: Partial<MembershipOptions> } = {}): Promise<TestPeer> => {
    const key = o.key ?? await generateKeyPair('Ed25519') as unknown as PrivateKey
    const libp2p = await createTestLibp2p(undefined, { privateKey: key, listen: o.listen, services: o.services })
    const m = createMembership(libp2p, { cluster, profile: 'fast', ...o.membership })
    await m.start()
    stops.push(async () => { await m.stop().catch(() => {}); await libp2p.stop() })
    return { libp2p, m, id: libp2p.peerId.toString(), key }
  }
  return {
    start,
    /** `p` leaves gracefully, then starts again with its identity and address, in a later second (a new incarnation) */
    async leaveAndRestart (p, membership = {}) {
      const listen = listenOf(p.libp2p)
      await p.m.stop()
      await p.libp2p.stop()
      await sleep(1100)
      return await start({ key: p.key, listen, membership })
    },
    async stopAll () { await Promise.allSettled(stops.map(async s => { await s() })) }
  }
}

test.serial('peers that discovery reports are dialled (mdns: true), again after they left and came back; not without the option', async t => {
  t.timeout(60_000)
  const peers = testPeers()
  try {
    const discovery = new TestDiscovery()
    const a = await peers.start({ services: { discovery: () => discovery }, membership: { mdns: true } })
    let b = await peers.start()
    discovery.announce(b.libp2p.peerId, b.libp2p.getMultiaddrs())
    const joined = await waitFor(() => view(a.m, b.id)?.state === 'alive' && view(b.m, a.id)?.state === 'alive', 10_000, 'a and b see each other')
    t.log(`discovered peer joined in ${joined.toFixed(0)} ms`)
    const inc = view(a.m, b.id)!.incarnation

    // b leaves and comes back with its identity and address: a knows it (libp2p's peer store too, so libp2p's
    // peer:discovery does not fire again), has no reason to dial it (a left member is not re-dialled), until
    // discovery reports it again
    const left = waitFor(() => view(a.m, b.id)?.state === 'left', 5000, 'a sees b leave')
    b = await peers.leaveAndRestart(b)
    await left
    await sleep(3 * T)
    t.false(connected(a.libp2p, b.id), 'nothing dials the restarted b before discovery reports it')
    discovery.announce(b.libp2p.peerId, b.libp2p.getMultiaddrs())
    const rejoined = await waitFor(() => view(a.m, b.id)?.state === 'alive', 10_000, 'a sees b again')
    t.log(`rediscovered peer alive again in ${rejoined.toFixed(0)} ms (incarnation ${inc} -> ${view(a.m, b.id)!.incarnation})`)
    t.true(view(a.m, b.id)!.incarnation > inc)

    // without the option, what discovery reports is not dialled
    const quiet = new TestDiscovery()
    const c = await peers.start({ services: { discovery: () => quiet } })
    quiet.announce(b.libp2p.peerId, b.libp2p.getMultiaddrs())
    await sleep(3 * T)
    t.false(connected(c.libp2p, b.id))
    t.is(c.m.members().length, 1)
  } finally {
    await peers.stopAll()
  }
})

test.serial('a peer whose view empties goes back to its bootstrap list', async t => {
  t.timeout(60_000)
  const peers = testPeers()
  try {
    let b = await peers.start()
    const a = await peers.start({ membership: { bootstrap: b.libp2p.getMultiaddrs().map(String) } })
    await waitFor(() => view(a.m, b.id)?.state === 'alive', 10_000, 'a joins through b')
    const inc = view(a.m, b.id)!.incarnation

    // its only other member leaves (a's view holds only itself, and a left member is not re-dialled), then comes
    // back with no bootstrap of its own: it does not know a
    const aliveWhenLeft = waitFor(() => view(a.m, b.id)?.state === 'left', 5000, 'a sees b leave')
      .then(() => a.m.members().filter(m => m.state === 'alive').length)
    const t0 = performance.now()
    b = await peers.leaveAndRestart(b)
    t.is(await aliveWhenLeft, 1, 'a alone in its view')
    const restarted = performance.now()
    await waitFor(() => view(a.m, b.id)?.state === 'alive' && view(b.m, a.id)?.state === 'alive', 10_000, 'a dials its bootstrap peer again')
    t.log(`a was back in b's view ${(performance.now() - restarted).toFixed(0)} ms after b restarted (${(restarted - t0).toFixed(0)} ms after it left)`)
    t.true(view(a.m, b.id)!.incarnation > inc)
  } finally {
    await peers.stopAll()
  }
})

test.serial('a peer restarted with its identity on a new address is accepted, and probed there', async t => {
  t.timeout(60_000)
  const peers = testPeers()
  try {
    let a = await peers.start()
    const b = await peers.start({ membership: { bootstrap: a.libp2p.getMultiaddrs().map(String) } })
    const oldListen = listenOf(a.libp2p)
    await waitFor(() => view(b.m, a.id)?.state === 'alive', 10_000, 'b sees a')
    const inc = view(b.m, a.id)!.incarnation

    // a crashes (no leave) and b declares it dead, then a restarts elsewhere and joins through b
    await a.libp2p.stop()
    await a.m.stop().catch(() => {}) // (its libp2p is gone: nothing reaches b; this only ends its timers)
    await waitFor(() => view(b.m, a.id)?.state === 'dead', 20 * T, 'b marks a dead')
    a = await peers.start({ key: a.key, membership: { bootstrap: b.libp2p.getMultiaddrs().map(String) } })
    const newListen = listenOf(a.libp2p)
    t.not(newListen, oldListen)
    const back = await waitFor(() => view(b.m, a.id)?.state === 'alive', 10_000, 'b accepts a at its new address')
    t.log(`moved peer accepted ${back.toFixed(0)} ms after its start (${oldListen} -> ${newListen})`)
    const seen = view(b.m, a.id)!
    t.true(seen.incarnation > inc)
    t.true(seen.addrs.every(x => x.startsWith(`${newListen}/p2p/`)), `addresses ${seen.addrs.join(' ')}`)
    // b's probes reach a at the new address: no suspicion over 6 periods. (The probe b had out to the old address
    // when a came back may still fail: it accuses the incarnation it probed, which a has left behind.)
    let suspected = 0
    b.m.addEventListener('member:suspect', e => { if (e.detail.peerId === a.id) suspected++ })
    const swim = (b.m as MembershipNode).state!
    const { probes, failedProbes } = swim.stats
    // over 6 periods at least, and until b has probed a twice: the failures while a was down raised b's health
    // score, which lengthens its probe period (up to 8x), so two probes can take longer than 6 periods
    await sleep(6 * T)
    await waitFor(() => swim.stats.probes - probes >= 2, 20 * T, 'two probes by b')
    t.is(suspected, 0)
    t.true(swim.stats.failedProbes - failedProbes <= 1, `${swim.stats.failedProbes - failedProbes} failed probes`)
    t.is(view(b.m, a.id)?.state, 'alive')
  } finally {
    await peers.stopAll()
  }
})
