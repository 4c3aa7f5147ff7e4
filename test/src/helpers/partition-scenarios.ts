/**
 * The partition scenarios, shared by `partition.test.ts` (which asserts on them) and `failover-report.ts`
 * (which prints their figures into docs/failover.md). Each runs real peers in this process, drives routed
 * idempotent calls from clients on the reachable side, injects the fault through the connection gater, and
 * measures detection, the calls before / during / after, and the time to one view and full routing after the heal.
 */
import { adder, converge, fullRouting, oneView, startCluster, stateIn } from './cluster.js'
import { AttemptTracker, hold, LoadDriver, timed } from './load.js'
import type { Profile, TestCluster, TestPeer } from './cluster.js'
import type { PhaseStats } from './load.js'

export interface ScenarioResult {
  fault: string
  profile: Profile
  peers: number
  phases: PhaseStats[]
  /** Named durations, ms (detection, heal). */
  times: Record<string, number>
  /** Named facts for assertions and the report. */
  facts: Record<string, number | string | boolean>
}

/** Heal bound: one view and full routing within 30 s of the heal. */
export const HEAL_BOUND_MS = 30_000
/** Time each measured phase is held open, ms. */
const HOLD_MS = 2000
/** Deadline of each routed call, ms. */
const CALL_TIMEOUT_MS = 2000

function settled (g: TestPeer[], subject: string, states: string[]): boolean {
  return g.every(o => states.includes(stateIn(o.node, subject) ?? ''))
}

interface Setup {
  c: TestCluster
  load: LoadDriver
  clients: TestPeer[]
  trackers: Map<string, AttemptTracker>
}

async function setup (n: number, clientIdx: number[], profile: Profile): Promise<Setup> {
  const c = await startCluster(n, { profile, clients: clientIdx })
  try {
    await converge(c, 60_000)
    const clients = clientIdx.map(i => c.peers[i])
    await warmUp(clients, c.peers.filter(p => p.server))
    const trackers = new Map(clients.map(p => [p.id, new AttemptTracker(p.node)]))
    const calls = clients.map(p => adder(p.node, CALL_TIMEOUT_MS))
    const load = new LoadDriver(clients.map(p => p.node), { concurrency: 2 * clients.length, call: async i => { await calls[i % calls.length](i) } })
    return { c, load, clients, trackers }
  } catch (err) {
    await c.stop()
    throw err
  }
}

/**
 * Before the measured phases: every client completes one call pinned to every server, so the phases start from a
 * steady cluster (RPC streams open, first-call costs paid), not from a start-up that a loaded machine may stretch
 * for seconds. A call that fails here is tried again until the deadline; the faults are what the phases measure.
 */
async function warmUp (clients: TestPeer[], servers: TestPeer[]): Promise<void> {
  await Promise.all(clients.flatMap(cl => servers.map(async sv => {
    const calc = cl.node.service<{ add(a: number, b: number): Promise<number> }>('Calculator', { peer: sv.id, timeoutMs: CALL_TIMEOUT_MS })
    await timed(async () => await calc.add(1, 1).then(r => r === 2, () => false), 60_000, `a first call from ${cl.id} to ${sv.id}`)
  })))
}

/** After a heal: time to one view + clients seeing every server, and to every server serving a call again. */
async function measureHeal (s: Setup, healAt: number, times: Record<string, number>): Promise<void> {
  const { c } = s
  await timed(() => oneView(c.peers) && fullRouting(c.peers), HEAL_BOUND_MS + 30_000, 'one view after the heal')
  times.healViewMs = performance.now() - healAt
  const servers = c.peers.filter(p => p.server)
  await timed(() => servers.every(sv => [...s.trackers.values()].some(t => t.servedBy(sv.id, healAt) > 0)), HEAL_BOUND_MS + 30_000, 'every server serving again')
  times.healRoutingMs = performance.now() - healAt
}

/** One peer (a server) can reach nobody and nobody can reach it. */
export async function isolateScenario (profile: Profile): Promise<ScenarioResult> {
  const s = await setup(6, [0], profile)
  const { c, load } = s
  const times: Record<string, number> = {}
  try {
    const victim = c.peers[5]
    const rest = c.peers.filter(p => p !== victim)
    load.start('before')
    await hold(HOLD_MS)
    load.mark('during')
    const cutAt = performance.now()
    await c.net.isolate(victim.id)
    times.suspectMs = await timed(() => rest.some(o => ['suspect', 'dead'].includes(stateIn(o.node, victim.id) ?? '')), 60_000, 'the victim suspected')
    await timed(() => settled(rest, victim.id, ['dead']), 60_000, 'the victim dead everywhere')
    const deadAt = performance.now()
    times.deadMs = deadAt - cutAt
    await timed(() => rest.every(r => stateIn(victim.node, r.id) === 'dead'), 60_000, 'the victim sees the others dead')
    times.otherSideMs = performance.now() - cutAt
    const sentAfterDead = s.trackers.get(c.peers[0].id)!.sentTo(victim.id, deadAt + 50)
    await hold(HOLD_MS)
    load.mark('after')
    c.net.heal()
    const healAt = performance.now()
    await measureHeal(s, healAt, times)
    await hold(HOLD_MS)
    const phases = await load.stop()
    return { fault: 'isolate one peer', profile, peers: 6, phases, times, facts: { refusedConnections: c.net.refused, sentToVictimAfterDead: sentAfterDead, victimServedAfterHeal: s.trackers.get(c.peers[0].id)!.servedBy(victim.id, healAt) } }
  } finally {
    await load.stop().catch(() => {})
    await c.stop()
  }
}

/** 8 peers split 5/3; a client on each side. */
export async function splitScenario (profile: Profile): Promise<ScenarioResult> {
  const s = await setup(8, [0, 7], profile)
  const { c, load } = s
  const times: Record<string, number> = {}
  try {
    const A = c.peers.slice(0, 5)
    const B = c.peers.slice(5)
    load.start('before')
    await hold(HOLD_MS)
    load.mark('during')
    const cutAt = performance.now()
    await c.net.split([A.map(p => p.id), B.map(p => p.id)])
    const seen = (obs: TestPeer[], subj: TestPeer[], states: string[]): boolean => subj.every(x => settled(obs, x.id, states))
    times.suspectMs = await timed(() => A.some(o => B.some(x => stateIn(o.node, x.id) !== 'alive')) && B.some(o => A.some(x => stateIn(o.node, x.id) !== 'alive')), 60_000, 'both sides suspect the other')
    await timed(() => seen(A, B, ['dead']) && seen(B, A, ['dead']), 60_000, 'both sides see the other dead')
    times.deadMs = performance.now() - cutAt
    const wholeSides = oneView(A) && oneView(B)
    await hold(HOLD_MS)
    load.mark('after')
    c.net.heal()
    const healAt = performance.now()
    await measureHeal(s, healAt, times)
    await hold(HOLD_MS)
    const phases = await load.stop()
    return { fault: 'split 8 peers 5/3', profile, peers: 8, phases, times, facts: { refusedConnections: c.net.refused, sidesStayedWhole: wholeSides } }
  } finally {
    await load.stop().catch(() => {})
    await c.stop()
  }
}

/**
 * One-way: one server (a) reaches every other peer, none of them can open a connection to it (a stateful
 * firewall in front of a). The others' probes of a fail while a has no connection to them; a's own probes open
 * connections, over which the others reach it again.
 */
export async function oneWayScenario (profile: Profile): Promise<ScenarioResult> {
  const s = await setup(6, [0], profile)
  const { c, load } = s
  const times: Record<string, number> = {}
  try {
    const a = c.peers[5]
    const rest = c.peers.filter(p => p !== a)
    load.start('before')
    await hold(HOLD_MS)
    load.mark('during')
    const cutAt = performance.now()
    const refusedBefore = c.net.refused
    await c.net.oneWay([a.id], rest.map(p => p.id))
    // wait for the fault to be seen: some peer suspects a (or declares it dead)
    let suspected = -1
    const accusations = new Set<string>()
    const onSuspect = (e: Event): void => { if ((e as CustomEvent<{ peerId: string }>).detail.peerId === a.id) accusations.add('suspect') }
    const onDead = (e: Event): void => { if ((e as CustomEvent<{ peerId: string }>).detail.peerId === a.id) accusations.add('dead') }
    for (const r of rest) { r.node.addEventListener('member:suspect', onSuspect); r.node.addEventListener('member:dead', onDead) }
    try {
      suspected = await timed(() => accusations.size > 0, 20_000, 'a suspected by a peer that cannot reach it')
    } catch { /* not seen: reported as such */ }
    times.suspectMs = suspected
    // while the rule holds, a must be back in every view through the connections it opens itself
    await timed(() => oneView(c.peers) && fullRouting(c.peers), 60_000, 'one view while one-way')
    times.viewWhileOneWayMs = performance.now() - cutAt
    const outboundOnly = c.peers.every(p => p === a || p.libp2p.getConnections().filter(x => x.remotePeer.toString() === a.id).every(x => x.direction === 'inbound'))
    await hold(HOLD_MS)
    load.mark('after')
    for (const r of rest) { r.node.removeEventListener('member:suspect', onSuspect); r.node.removeEventListener('member:dead', onDead) }
    c.net.heal()
    const healAt = performance.now()
    await measureHeal(s, healAt, times)
    await hold(HOLD_MS)
    const phases = await load.stop()
    return {
      fault: 'one-way (a reaches the others, they cannot connect to a)',
      profile,
      peers: 6,
      phases,
      times,
      facts: { refusedConnections: c.net.refused - refusedBefore, accusations: [...accusations].join(',') || 'none', connectionsToAOpenedByA: outboundOnly }
    }
  } finally {
    await load.stop().catch(() => {})
    await c.stop()
  }
}

/** A peer's links to every other peer flap: `cycles` times cut for `downMs`, healed for `upMs`. */
export async function flapScenario (profile: Profile, cycles = 5, downMs = 3000, upMs = 3000): Promise<ScenarioResult> {
  const s = await setup(6, [0], profile)
  const { c, load } = s
  const times: Record<string, number> = {}
  try {
    const x = c.peers[5]
    const rest = c.peers.filter(p => p !== x)
    const seen = new Set<string>()
    const on = (state: string) => (e: Event): void => { if ((e as CustomEvent<{ peerId: string }>).detail.peerId === x.id) seen.add(state) }
    const listeners = rest.map(r => [r, on('suspect'), on('dead')] as const)
    for (const [r, s1, d1] of listeners) { r.node.addEventListener('member:suspect', s1); r.node.addEventListener('member:dead', d1) }
    load.start('before')
    await hold(HOLD_MS)
    load.mark('during')
    for (let k = 0; k < cycles; k++) {
      await c.net.isolate(x.id)
      await hold(downMs)
      c.net.heal()
      await hold(upMs)
    }
    for (const [r, s1, d1] of listeners) { r.node.removeEventListener('member:suspect', s1); r.node.removeEventListener('member:dead', d1) }
    load.mark('after')
    const healAt = performance.now()
    await measureHeal(s, healAt, times)
    await hold(HOLD_MS)
    const phases = await load.stop()
    return { fault: `flapping links (${cycles} x ${downMs / 1000} s cut / ${upMs / 1000} s up)`, profile, peers: 6, phases, times, facts: { refusedConnections: c.net.refused, seen: [...seen].sort().join(',') || 'none' } }
  } finally {
    await load.stop().catch(() => {})
    await c.stop()
  }
}
