/**
 * Scaling advisor: turns the load snapshots of all members into cluster utilisation and a recommended peer count,
 * with the Kubernetes HPA's rules against flapping: no change while utilisation is within `tolerance` of the target
 * (HPA `--horizontal-pod-autoscaler-tolerance`, 0.1), scale up at once, scale down only to the highest count
 * recommended during the last `scaleDownWindowMs` (HPA downscale stabilisation window, 300 s).
 */

/** Utilisation the cluster should run at (HPA examples use 50-80%; 60% leaves room for a peer to fail). */
export const TARGET_UTILISATION = 0.6
/** Relative band around the target with no change. Kubernetes HPA default tolerance. */
export const SCALE_TOLERANCE = 0.1
/** Scale-down stabilisation window. Kubernetes HPA default (300 s). */
export const SCALE_DOWN_WINDOW_MS = 300_000
/** Event-loop delay that counts as a saturated peer (ms): past it, calls queue visibly behind one another. */
export const EVENT_LOOP_DELAY_LIMIT_MS = 50
/** In-flight calls one peer is sized for, when no CPU or event-loop figure is gossiped. */
export const INFLIGHT_CAPACITY = 64
/** Load snapshots older than this are ignored (ms): three missed gossip periods of 10 s. */
export const LOAD_STALE_MS = 30_000

export interface MemberLoad {
  peerId: string
  /** Calls in flight on the member. */
  inflight: number
  /** The member's EWMA handler latency, ms. */
  latencyMs: number
  /** CPU used, as a share of one core (0..1). */
  cpu?: number
  /** Event-loop delay, ms. */
  eventLoopDelayMs?: number
  /** When this snapshot was taken or received, on the advisor's clock (ms). Missing: now. */
  at?: number
}

export interface ScalingOptions {
  /** @default 0.6 */
  targetUtilisation?: number
  /** @default 0.1 */
  tolerance?: number
  /** @default 300000 */
  scaleDownWindowMs?: number
  /** @default 1 */
  minPeers?: number
  /** @default Infinity */
  maxPeers?: number
  /** @default 50 */
  eventLoopDelayLimitMs?: number
  /** @default 64 */
  inflightCapacity?: number
  /** @default 30000 */
  staleMs?: number
}

export interface ScalingAdvice {
  /** Members whose snapshot counted. */
  current: number
  /** Mean utilisation of those members (0 = idle, 1 = saturated; may exceed 1). */
  utilisation: number
  recommended: number
  action: 'scale-up' | 'scale-down' | 'hold'
  /** The busiest member and what made it busy. */
  busiest?: { peerId: string, utilisation: number, signal: 'cpu' | 'event-loop' | 'in-flight' }
  /** The reason in words. */
  reason: string
}

/** One member's utilisation: the largest of its CPU share, event-loop delay and in-flight calls, each against its limit. */
export function memberUtilisation (load: MemberLoad, options: ScalingOptions = {}): { utilisation: number, signal: 'cpu' | 'event-loop' | 'in-flight' } {
  const eld = (load.eventLoopDelayMs ?? 0) / (options.eventLoopDelayLimitMs ?? EVENT_LOOP_DELAY_LIMIT_MS)
  const cpu = load.cpu ?? 0
  const inflight = load.inflight / (options.inflightCapacity ?? INFLIGHT_CAPACITY)
  if (cpu >= eld && cpu >= inflight) return { utilisation: cpu, signal: 'cpu' }
  if (eld >= inflight) return { utilisation: eld, signal: 'event-loop' }
  return { utilisation: inflight, signal: 'in-flight' }
}

export class ScalingAdvisor {
  private readonly history: Array<{ at: number, count: number }> = []
  private readonly o: Required<ScalingOptions>
  private readonly now: () => number

  constructor (now: () => number, options: ScalingOptions = {}) {
    this.now = now
    this.o = {
      targetUtilisation: options.targetUtilisation ?? TARGET_UTILISATION,
      tolerance: options.tolerance ?? SCALE_TOLERANCE,
      scaleDownWindowMs: options.scaleDownWindowMs ?? SCALE_DOWN_WINDOW_MS,
      minPeers: options.minPeers ?? 1,
      maxPeers: options.maxPeers ?? Infinity,
      eventLoopDelayLimitMs: options.eventLoopDelayLimitMs ?? EVENT_LOOP_DELAY_LIMIT_MS,
      inflightCapacity: options.inflightCapacity ?? INFLIGHT_CAPACITY,
      staleMs: options.staleMs ?? LOAD_STALE_MS
    }
  }

  advise (loads: readonly MemberLoad[]): ScalingAdvice {
    const now = this.now()
    const o = this.o
    const fresh = loads.filter(l => now - (l.at ?? now) <= o.staleMs)
    const stale = loads.length - fresh.length
    const staleNote = stale > 0 ? `; ${stale} stale snapshot${stale > 1 ? 's' : ''} ignored` : ''
    const current = fresh.length
    if (current === 0) {
      return { current, utilisation: 0, recommended: Math.max(o.minPeers, Math.min(o.maxPeers, loads.length)), action: 'hold', reason: `no fresh load snapshots${staleNote}: hold` }
    }
    let sum = 0
    let busiest: ScalingAdvice['busiest']
    for (const l of fresh) {
      const u = memberUtilisation(l, o)
      sum += u.utilisation
      if (busiest === undefined || u.utilisation > busiest.utilisation) busiest = { peerId: l.peerId, ...u }
    }
    const utilisation = sum / current
    const ratio = utilisation / o.targetUtilisation
    const unclamped = Math.abs(ratio - 1) <= o.tolerance ? current : Math.ceil(current * ratio)
    let raw = Math.max(o.minPeers, Math.min(o.maxPeers, unclamped))
    // scale-down stabilisation: the highest recommendation within the window (a monotonic deque: entries that
    // can never be the maximum again are dropped, so memory stays small however often advise is called)
    while (this.history.length > 0 && this.history[this.history.length - 1].count <= raw) this.history.pop()
    this.history.push({ at: now, count: raw })
    while (now - this.history[0].at > o.scaleDownWindowMs) this.history.shift()
    let recommended = raw
    if (raw < current) recommended = Math.min(current, this.history[0].count)
    const action = recommended > current ? 'scale-up' : recommended < current ? 'scale-down' : 'hold'
    const pct = (x: number): string => `${Math.round(x * 100)}%`
    const busy = busiest !== undefined ? ` (busiest ${busiest.peerId} at ${pct(busiest.utilisation)} by ${busiest.signal})` : ''
    let reason: string
    if (action === 'scale-up') {
      reason = `utilisation ${pct(utilisation)} of ${current} peers is above the ${pct(o.targetUtilisation)} target${busy}: add ${recommended - current} to reach ${recommended}`
    } else if (action === 'scale-down') {
      reason = `utilisation ${pct(utilisation)} of ${current} peers has stayed below the ${pct(o.targetUtilisation)} target for ${Math.round(o.scaleDownWindowMs / 1000)} s: remove ${current - recommended} to leave ${recommended}`
    } else if (raw < current) {
      reason = `utilisation ${pct(utilisation)} of ${current} peers is below the ${pct(o.targetUtilisation)} target, but not for the whole ${Math.round(o.scaleDownWindowMs / 1000)} s window: hold at ${current}`
    } else if (raw > current) {
      reason = `utilisation ${pct(utilisation)} is above target but the peer count is capped at ${o.maxPeers}: hold`
    } else if (unclamped < current) {
      reason = `utilisation ${pct(utilisation)} of ${current} peers is below the ${pct(o.targetUtilisation)} target, but ${current} is the minimum of ${o.minPeers}: hold`
    } else if (unclamped > current) {
      reason = `utilisation ${pct(utilisation)} of ${current} peers is above the ${pct(o.targetUtilisation)} target, but ${current} is the maximum of ${o.maxPeers}: hold`
    } else if (Math.abs(ratio - 1) > o.tolerance) {
      reason = `utilisation ${pct(utilisation)} of ${current} peers is below the ${pct(o.targetUtilisation)} target, but fewer peers would be above it${busy}: hold`
    } else {
      reason = `utilisation ${pct(utilisation)} of ${current} peers is within ${pct(o.tolerance)} of the ${pct(o.targetUtilisation)} target${busy}: hold`
    }
    return { current, utilisation, recommended, action, busiest, reason: reason + staleNote }
  }
}
