/**
 * The facade: one per node. Keeps per-peer stats (in flight, peak-EWMA latency, outlier state), a snapshot of the
 * candidates per service with its pickers, and a cache of hash rings keyed by service and member set, so a pick
 * costs a few comparisons and two cost evaluations, and a ring is built (or derived incrementally from the
 * service's previous ring) only when membership changes.
 */
import type { Balancer, BalancerOptions, CallOutcome, Candidate, HashReroute, PeerStats, PickContext, Picker, PickRequest, Strategy } from './types.js'
import { ScalingAdvisor } from './advisor.js'
import { DEFAULT_EPSILON } from './bounded.js'
import { EWMA_DECAY_MS, PeakEwma } from './ewma.js'
import { createHashPicker } from './hash-picker.js'
import { HedgingPolicy } from './hedging.js'
import { Lingering } from './lingering.js'
import { latencyTier, slowThreshold, TIER_NORMAL, TIER_PROBE } from './slow.js'
import { createLocalFirstPicker } from './local-first.js'
import { OutlierDetector } from './outlier.js'
import { createP2cPicker, p2cCost, p2cLatency, type LocalView } from './p2c.js'
import { createRandomPicker } from './random.js'
import { RetryBudget } from './retry-budget.js'
import { createRoundRobinPicker } from './round-robin.js'
import { DEFAULT_VNODES, HashRing, compareStrings } from './ring.js'
import { seededRandom } from './rng.js'

/** Rings kept (one per service and member set). */
export const RING_CACHE_SIZE = 64

interface PeerEntry {
  inflight: number
  /** attempts abandoned there that are still running, by the estimate */
  lingering: Lingering
  /** its gossiped load, as last seen in a candidate list */
  load: Candidate['load']
  ewma: PeakEwma
  lastSampleAt: number
  calls: number
  failures: number
  /** when its last probe as a slow peer started, and the call count then */
  probeAt: number
  probeCall: number
  /** probes of it in flight */
  probing: number
}

interface Snapshot {
  service: string
  ids: string[]
  locals: boolean[]
  loads: Array<Candidate['load']>
  candidates: readonly Candidate[]
  pickers: Partial<Record<Strategy, Picker>>
  /** The ring over `ids`, once a 'hash' pick needed it. */
  ring?: HashRing
  /** From which expected latency a candidate is slow (src/slow.ts), and when that was computed. */
  slowAboveMs: number
  slowAt: number
  /** Picks made for the service so far (round-robin's turn), carried over from the snapshot this one replaces. */
  seq: number
}

const COUNTS_AGAINST_PEER = new Set(['transport', 'timeout', 'overloaded'])

export function createBalancer (options: BalancerOptions = {}): Balancer {
  const now = options.now ?? Date.now
  const random = options.random ?? (options.seed !== undefined ? seededRandom(options.seed) : Math.random)
  const vnodes = options.vnodes ?? DEFAULT_VNODES
  const epsilon = options.epsilon ?? DEFAULT_EPSILON
  const ringCacheSize = options.ringCacheSize ?? RING_CACHE_SIZE
  const costOptions = options.cost ?? {}
  const localDecay = costOptions.localDecayMs ?? EWMA_DECAY_MS

  const peers = new Map<string, PeerEntry>()
  const outlier = new OutlierDetector(now, options.outlier)
  const retryBudget = new RetryBudget(now, options.retryBudget)
  const hedging = new HedgingPolicy(now, options.hedging)
  const advisor = new ScalingAdvisor(now, options.scaling)
  const snapshots = new Map<string, Snapshot>()
  const rings = new Map<string, HashRing>() // LRU by insertion order
  const lastRing = new Map<string, HashRing>() // per service, the base for incremental rebuilds
  const reroutes: Record<HashReroute, number> = { excluded: 0, ejected: 0, 'over-capacity': 0 }

  // the entry last looked up: an attempt's start and end (and the next call's, with few peers) need no look-up
  let lastId: string | undefined
  let lastEntry: PeerEntry | undefined
  const entry = (peerId: string): PeerEntry => {
    if (peerId === lastId) return lastEntry as PeerEntry
    let e = peers.get(peerId)
    if (e === undefined) {
      e = { inflight: 0, lingering: new Lingering(), load: undefined, ewma: new PeakEwma(now(), localDecay), lastSampleAt: 0, calls: 0, failures: 0, probeAt: -Infinity, probeCall: -Infinity, probing: 0 }
      peers.set(peerId, e)
      outlier.track(peerId)
    }
    lastId = peerId
    lastEntry = e
    return e
  }

  const localView = (e: PeerEntry, t: number): LocalView =>
    ({ inflight: e.inflight + e.lingering.count(t), latencyMs: e.ewma.observed ? e.ewma.get(t) : 0, observed: e.ewma.observed, sampleAgeMs: t - e.lastSampleAt })
  const gossipAge = (load: Candidate['load'], t: number): number => load?.at !== undefined ? t - load.at : 0
  const expectedMs = (e: PeerEntry | undefined, load: Candidate['load'], t: number): number =>
    p2cLatency(e === undefined ? undefined : localView(e, t), load, gossipAge(load, t), costOptions)

  // one reusable context; its per-call fields are set by prepare()
  let exclude: ReadonlySet<string> | undefined
  let ignoreEjection = false
  /** the snapshot of the last pick: slowness is judged against its candidates */
  let current: Snapshot | undefined
  /** the peer of the last pick when it was a slow peer's probe (its attempt starts next) */
  let probeNext: string | undefined
  /** the slow threshold of `current`, recomputed at most once a millisecond (a median over the candidates) */
  const slowAbove = (t: number): number => {
    const s = current
    if (s === undefined) return Infinity
    if (t - s.slowAt >= 1) {
      s.slowAboveMs = slowThreshold(s.candidates.map(c => expectedMs(peers.get(c.peerId), c.load, t)))
      s.slowAt = t
    }
    return s.slowAboveMs
  }
  let mayProbe = false
  let callCount = 0
  const ctx: { -readonly [K in keyof PickContext]: PickContext[K] } = {
    now: 0,
    seq: 0,
    key: undefined,
    random,
    excluded: (id) => exclude !== undefined && exclude.has(id),
    usable: (id) => (exclude === undefined || !exclude.has(id)) && (ignoreEjection || outlier.available(id)),
    // bounded loads count the calls this peer still waits for; abandoned attempts weigh only in p2c's cost
    inflight: (id) => peers.get(id)?.inflight ?? 0,
    cost: (c) => {
      const e = peers.get(c.peerId)
      const t = ctx.now
      return p2cCost(e === undefined ? undefined : localView(e, t), c.load, gossipAge(c.load, t), costOptions)
    },
    tier: (c) => {
      const e = peers.get(c.peerId)
      const t = ctx.now
      if (e === undefined) return TIER_NORMAL
      const slowAboveMs = slowAbove(t)
      if (slowAboveMs === Infinity) return TIER_NORMAL
      return latencyTier(expectedMs(e, c.load, t), slowAboveMs, { probeAt: e.probeAt, callsSince: callCount - e.probeCall, inflight: e.inflight + e.lingering.count(t) }, t, mayProbe)
    }
  }

  const snapshotFor = (service: string, candidates: readonly Candidate[]): Snapshot => {
    const s = snapshots.get(service)
    if (s !== undefined && s.ids.length === candidates.length) {
      let same = true
      for (let i = 0; i < candidates.length; i++) {
        const c = candidates[i]
        if (c.peerId !== s.ids[i] || c.load !== s.loads[i] || (c.local === true) !== s.locals[i]) { same = false; break }
      }
      if (same) return s
    }
    const copy = Object.freeze(candidates.map(c => Object.freeze({ ...c })))
    for (const c of copy) entry(c.peerId).load = c.load
    const fresh: Snapshot = {
      service,
      ids: candidates.map(c => c.peerId),
      locals: candidates.map(c => c.local === true),
      loads: candidates.map(c => c.load),
      candidates: copy,
      pickers: {},
      slowAboveMs: Infinity,
      slowAt: -Infinity,
      seq: s?.seq ?? 0
    }
    // only loads changed (same ids in the same order): keep the ring without even computing its cache key
    if (s !== undefined && s.ids.length === fresh.ids.length && s.ids.every((id, i) => id === fresh.ids[i])) {
      fresh.ring = s.ring
      fresh.slowAboveMs = s.slowAboveMs // recomputed when a millisecond old (slowAbove)
      fresh.slowAt = s.slowAt
    }
    snapshots.set(service, fresh)
    return fresh
  }

  const ringFor = (service: string, ids: readonly string[]): HashRing => {
    const sorted = [...ids].sort(compareStrings)
    const key = service + '\u0000' + sorted.join('\u0000')
    let ring = rings.get(key)
    if (ring !== undefined) {
      rings.delete(key); rings.set(key, ring) // refresh LRU position
      return ring
    }
    const base = lastRing.get(service)
    ring = base !== undefined ? base.withMembers(sorted) : HashRing.from(sorted, { vnodes })
    rings.set(key, ring)
    lastRing.set(service, ring)
    if (rings.size > ringCacheSize) rings.delete(rings.keys().next().value as string)
    return ring
  }

  const pickerFor = (s: Snapshot, strategy: Strategy): Picker => {
    let p = s.pickers[strategy]
    if (p !== undefined) return p
    switch (strategy) {
      case 'p2c': p = createP2cPicker(s.candidates); break
      case 'round-robin': p = createRoundRobinPicker(s.candidates); break
      case 'random': p = createRandomPicker(s.candidates); break
      case 'local-first': p = createLocalFirstPicker(s.candidates); break
      case 'hash':
        s.ring ??= ringFor(s.service, s.ids)
        p = createHashPicker(s.candidates, s.ring, { epsilon })
        break
      default: throw new TypeError(`unknown strategy: ${String(strategy)}`)
    }
    s.pickers[strategy] = p
    return p
  }

  const prepare = (candidates: readonly Candidate[], req: PickRequest): Picker => {
    const service = req.service ?? ''
    const s = snapshotFor(service, candidates)
    ctx.now = now()
    current = s
    mayProbe = req.mayProbe === true
    ctx.seq = s.seq++
    ctx.key = req.key
    exclude = req.exclude !== undefined && req.exclude.size > 0 ? req.exclude : undefined
    // skip ejected peers unless every candidate not excluded is ejected
    ignoreEjection = !outlier.allHealthy
    if (ignoreEjection) {
      for (const id of s.ids) {
        if ((exclude === undefined || !exclude.has(id)) && outlier.available(id)) { ignoreEjection = false; break }
      }
    }
    return pickerFor(s, req.strategy)
  }

  return {
    pick (candidates, req) {
      if (candidates.length === 0) return undefined
      const picked = prepare(candidates, req).pick(ctx)
      probeNext = undefined
      // only p2c ranks by tier (also as the fallback of local-first, and of hash without a key)
      const byTier = req.strategy === 'p2c' || req.strategy === 'local-first' || (req.strategy === 'hash' && req.key === undefined)
      if (mayProbe && byTier && picked !== undefined) {
        const c = current?.candidates.find(x => x.peerId === picked)
        if (c !== undefined && ctx.tier(c) === TIER_PROBE) probeNext = picked
      }
      if (req.strategy === 'hash' && req.key !== undefined && picked !== undefined) {
        const owner = snapshots.get(req.service ?? '')?.ring?.lookup(req.key)
        if (owner !== undefined && owner !== picked) {
          reroutes[ctx.excluded(owner) ? 'excluded' : !outlier.available(owner) ? 'ejected' : 'over-capacity']++
        }
      }
      return picked
    },
    order (candidates, req) {
      if (candidates.length === 0) return []
      return prepare(candidates, req).order(ctx)
    },
    successors (candidates, key, service = '', n) {
      if (candidates.length === 0) return []
      const s = snapshotFor(service, candidates)
      s.ring ??= ringFor(s.service, s.ids)
      return s.ring.successors(key, n)
    },
    hedgeDelayMs (peerId) {
      // the attempt of a slow peer's probe (asked between its pick and its start) is hedged at once; any other after the p95
      return peerId === probeNext ? 0 : hedging.delayMs()
    },
    onCall () {
      callCount++
      retryBudget.deposit()
      hedging.deposit()
    },
    onStart (peerId) {
      const e = entry(peerId)
      const t = now()
      // the attempt of a pick that was a slow peer's probe (src/slow.ts)
      if (peerId === probeNext) { e.probeAt = t; e.probeCall = callCount; e.probing++ }
      probeNext = undefined
      e.inflight++
      outlier.onStart(peerId)
    },
    onEnd (peerId, outcome: CallOutcome) {
      const e = entry(peerId)
      const t = now()
      if (e.inflight > 0) e.inflight--
      e.calls++
      const kind = outcome.failureKind
      const probe = e.probing > 0
      if (probe) e.probing--
      if (kind === 'cancelled') e.lingering.add(t, outcome.latencyMs, e.ewma.observed ? e.ewma.get(t) : 0)
      if (probe && outcome.ok) {
        // a probe's answer replaces the estimate, down as well as up: a recovered peer is used again at once
        e.ewma.reset(Math.max(0, outcome.latencyMs), t)
        e.lastSampleAt = t
      } else if (kind !== 'cancelled' || outcome.latencyMs > e.ewma.get(t)) {
        // a cancelled attempt (a hedge that lost, a caller that gave up) took at least this long: it may raise the
        // peak estimate (a frozen peer must look slow) but never lowers it
        e.ewma.observe(Math.max(0, outcome.latencyMs), t)
        e.lastSampleAt = t
      }
      const failure = !outcome.ok && (kind === undefined || COUNTS_AGAINST_PEER.has(kind))
      if (!outcome.ok && kind !== 'cancelled') e.failures++
      // one sample per call for the hedging delay: the first attempt's latency, or how long it had waited when a
      // hedge answered first (without these, the rescued slow attempts vanish from the samples and the p95 falls
      // until the budget is spent on the healthy tail)
      if (outcome.hedge !== true && (outcome.ok || kind === 'cancelled')) hedging.record(outcome.latencyMs)
      if (kind !== 'cancelled') outlier.onEnd(peerId, failure)
    },
    forget (peerId) {
      peers.delete(peerId)
      if (peerId === lastId) { lastId = undefined; lastEntry = undefined }
      outlier.forget(peerId)
    },
    retryBudget,
    hedging,
    stats (peerId): PeerStats {
      const e = peers.get(peerId)
      const o = outlier.info(peerId)
      return {
        peerId,
        inflight: e?.inflight ?? 0,
        latencyMs: e !== undefined && e.ewma.observed ? e.ewma.get(now()) : 0,
        calls: e?.calls ?? 0,
        failures: e?.failures ?? 0,
        slow: e !== undefined && e.ewma.observed && expectedMs(e, e.load, now()) >= slowAbove(now()),
        consecutiveFailures: o.consecutiveFailures,
        state: o.state,
        ejections: o.ejections,
        ejectedForMs: o.ejectedForMs
      }
    },
    advise (loads) { return advisor.advise(loads) },
    hashReroutes () { return { ...reroutes } }
  }
}
