/**
 * The simulator's experiments: each returns the figures that `docs/membership.md` reports and the tests assert.
 */
import { LAN, RECORD_INTERVAL_MS, resolveConfig } from '../defaults.js'
import { Simulator } from './simulator.js'
import type { SwimConfig } from '../defaults.js'

export interface DisseminationResult {
  n: number
  /** gossip rounds (mesh hops) for the record to reach the last peer: max over the publishes */
  maxRounds: number
  /** mean over the publishes of the rounds to reach the last peer */
  meanRounds: number
  /** time to reach every peer, in probe periods T (max over the publishes) */
  maxPeriods: number
  /** fraction of peers reached (min over the publishes) */
  reached: number
}

/** A new record published by a peer: how many gossip rounds until every peer has it. */
export function dissemination (n: number, seed: number, publishes = 5, loss = 0, config: SwimConfig = LAN): DisseminationResult {
  // one fixed delay per hop, so that the first copy to arrive took the fewest hops (synchronous rounds)
  const sim = new Simulator({ n, seed, config, loss, converged: false, delayMs: [2, 2] })
  let maxRounds = 0; let sumRounds = 0; let maxPeriods = 0; let reached = 1
  sim.onFlood = (_origin, msg, arrivals) => {
    if (msg.t !== 'alive') return
    let hops = 0; let last = 0
    for (const a of arrivals) { if (a.hops > hops) hops = a.hops; if (a.at > last) last = a.at }
    maxRounds = Math.max(maxRounds, hops)
    sumRounds += hops
    maxPeriods = Math.max(maxPeriods, (last - sim.now) / config.probeIntervalMs)
    reached = Math.min(reached, arrivals.length / (n - 1))
  }
  for (let k = 0; k < publishes; k++) {
    const origin = Math.floor((k * n) / publishes)
    sim.publish(origin, { v: k })
  }
  return { n, maxRounds, meanRounds: sumRounds / publishes, maxPeriods, reached }
}

export interface MessagesResult { n: number, perPeerPerPeriod: number }

/** Membership messages sent per peer per probe period in a converged cluster. */
export function messagesPerPeriod (n: number, seed: number, periods = 100, loss = 0, config: SwimConfig = LAN, transport: 'datagram' | 'stream' = 'datagram'): MessagesResult {
  const sim = new Simulator({ n, seed, config, loss, transport })
  const T = config.probeIntervalMs
  sim.run(5 * T)
  const before = sim.totalSent()
  sim.run(5 * T + periods * T)
  return { n, perPeerPerPeriod: (sim.totalSent() - before) / n / periods }
}

export interface FalsePositiveResult {
  n: number
  periods: number
  lifeguard: boolean
  /** suspicions (events at any observer) of peers that were never stalled */
  falseSuspicionsOfHealthy: number
  /** suspicions of the stalled peer (it was unresponsive while stalled) */
  suspicionsOfStalled: number
  /** peers declared dead (nobody crashed, so every one is false) */
  falseDeaths: number
  /** probes the stalled peer concluded as failed (its own false accusations) */
  stalledPeerFailedProbes: number
  /** suspect broadcasts made by the stalled peer */
  accusationsByStalled: number
  /** suspect broadcasts made by all peers */
  accusations: number
  /** accusations the stalled peer made at the end of a stall with the clearing ack unread (caused by the stall) */
  stallAccusations: number
  /**
   * accusations the stalled peer made about the target of a probe that was in flight during one of its stalls: the
   * false accusations the stall can cause (loss alone causes the rest of `accusationsByStalled`)
   */
  stallOverlapAccusations: number
}

/**
 * `loss` message loss, and peer 0's event loop stalled for 2x the probe timeout every 10 T; nobody crashes.
 */
export function falsePositives (n: number, seed: number, periods: number, lifeguard: boolean, loss = 0.1, base: SwimConfig = LAN, atProbe = false, transport: 'datagram' | 'stream' = 'datagram'): FalsePositiveResult {
  const config = resolveConfig({ lifeguard }, base)
  // the adapter's record refresh is on: it is what repairs a refutation that a peer missed
  const sim = new Simulator({ n, seed, config, loss, refreshMs: RECORD_INTERVAL_MS, transport })
  const T = config.probeIntervalMs
  sim.addStall({ node: 0, everyMs: 10 * T, forMs: 2 * config.probeTimeoutMs, offsetMs: 5 * T, jitter: !atProbe, atProbe })
  const r: FalsePositiveResult = { n, periods, lifeguard, ...zeroCounts() }
  sim.onEvent = e => {
    if (e.type === 'suspect') { if (e.subject === 0) r.suspicionsOfStalled++; else r.falseSuspicionsOfHealthy++ }
    if (e.type === 'dead') r.falseDeaths++
  }
  sim.onFlood = (origin, msg) => {
    if (msg.t !== 'suspect') return
    r.accusations++
    if (origin === 0) r.accusationsByStalled++
  }
  sim.run(periods * T)
  r.stalledPeerFailedProbes = sim.nodes[0].swim.stats.failedProbes
  r.stallAccusations = sim.stallAccusations
  r.stallOverlapAccusations = sim.stallOverlapAccusations
  return r
}

/** `falsePositives` summed over seeds `seed, seed + 1, ...` (one run of 1000 periods sees only about 100 stalls). */
export function falsePositivesOverSeeds (n: number, seed: number, seeds: number, periods: number, lifeguard: boolean, loss = 0.1, base: SwimConfig = LAN, atProbe = false, transport: 'datagram' | 'stream' = 'datagram'): FalsePositiveResult & { seeds: number, transport: 'datagram' | 'stream' } {
  const sum: FalsePositiveResult & { seeds: number, transport: 'datagram' | 'stream' } = { n, periods, lifeguard, seeds, transport, ...zeroCounts() }
  for (let k = 0; k < seeds; k++) {
    const r = falsePositives(n, seed + k, periods, lifeguard, loss, base, atProbe, transport)
    for (const key of COUNTS) sum[key] += r[key]
  }
  return sum
}

const COUNTS = ['falseSuspicionsOfHealthy', 'suspicionsOfStalled', 'falseDeaths', 'stalledPeerFailedProbes', 'accusationsByStalled', 'accusations', 'stallAccusations', 'stallOverlapAccusations'] as const

/** Every count of a false-positive run at zero. */
function zeroCounts (): Pick<FalsePositiveResult, typeof COUNTS[number]> {
  return Object.fromEntries(COUNTS.map(k => [k, 0])) as Pick<FalsePositiveResult, typeof COUNTS[number]>
}

export interface DetectionResult {
  n: number
  /** ms from the crash to the first suspicion anywhere */
  firstSuspicionMs: number
  /** ms from the crash until every survivor has it dead */
  deadEverywhereMs: number
}

/** Crash one peer of a converged cluster and time its detection. */
export function detection (n: number, seed: number, config: SwimConfig = LAN, loss = 0): DetectionResult {
  const sim = new Simulator({ n, seed, config, loss })
  const T = config.probeIntervalMs
  sim.run(3 * T)
  const crashAt = sim.now
  sim.crash(n - 1)
  let first = Infinity
  const dead = new Set<number>()
  let deadAll = Infinity
  sim.onEvent = e => {
    if (e.subject !== n - 1) return
    if (e.type === 'suspect' && first === Infinity) first = e.at - crashAt
    if (e.type === 'dead') { dead.add(e.observer); if (dead.size === n - 1) deadAll = e.at - crashAt }
  }
  for (let k = 1; k <= 200 && deadAll === Infinity; k++) sim.run(crashAt + k * T)
  return { n, firstSuspicionMs: first, deadEverywhereMs: deadAll }
}
