/**
 * Power of two choices (Mitzenmacher) on Finagle's cost: peak-EWMA latency x (in-flight + 1). Two distinct usable
 * candidates are drawn at random and the cheaper one wins.
 *
 * The cost mixes what this peer observed with what the candidate gossiped:
 * - latency: this peer's peak EWMA of its calls to the candidate and the candidate's gossiped handler latency,
 *   weighted by freshness: gossip counts for GOSSIP_WEIGHT of a fresh local figure and decays with its age (time
 *   constant GOSSIP_DECAY_MS); local samples lose weight with their own age (EWMA decay time);
 * - in flight: this peer's own calls in flight there, plus, while this peer has no latency sample of the candidate
 *   (cold start), the gossiped in-flight count, decayed with its age.
 * Gossiped in-flight counts are not used once local samples exist: every caller sees the same gossip, so a queue
 * length that is up to a gossip period old sends all of them to the same "emptiest" peer at once (herding). The
 * simulation measured it (docs/balancing.md, "Stale gossip herds"): taking max(local, gossiped) in-flight turned a
 * p50 of 11 ms into 114 ms at 80% utilisation. `gossipInflight: 'max'` keeps that variant for comparison.
 *
 * Before costs, the two candidates' tiers are compared (src/slow.ts): a slow peer (3x slower than the median
 * candidate) loses to one that is not, whatever their queues, except for its probe once a second.
 */
import type { Candidate, Load, PickContext, Picker, CostOptions } from './types.js'

export type { CostOptions } from './types.js'
import { appendRest, byCost } from './picker-util.js'

/** Time constant with which gossiped load loses weight (ms): about three gossip periods of 1 s. */
export const GOSSIP_DECAY_MS = 3_000
/** Weight of fresh gossip against a fresh local sample. */
export const GOSSIP_WEIGHT = 0.5
/** Cost of a peer with calls in flight but no latency yet. Finagle `PeakEwma` Penalty (Long.MaxValue >> 16). */
export const UNKNOWN_BUSY_PENALTY = 2 ** 47

/** What this peer observed of a candidate. */
export interface LocalView {
  inflight: number
  /** Peak-EWMA latency now (ms), 0 if never observed. */
  latencyMs: number
  /** Whether any latency sample was observed. */
  observed: boolean
  /** Age of the last latency sample (ms). */
  sampleAgeMs: number
}

/** The expected latency of one more call, with nothing queued: local and gossiped latency mixed by freshness. */
export function p2cLatency (local: LocalView | undefined, gossip: Load | undefined, gossipAgeMs: number, o: CostOptions = {}): number {
  const wl = local?.observed === true ? Math.exp(-local.sampleAgeMs / (o.localDecayMs ?? 10_000)) : 0
  const decay = gossip !== undefined ? Math.exp(-Math.max(0, gossipAgeMs) / (o.gossipDecayMs ?? GOSSIP_DECAY_MS)) : 0
  const wg = gossip !== undefined ? (o.gossipWeight ?? GOSSIP_WEIGHT) * decay : 0
  if (wl + wg > 0) return (wl * (local?.latencyMs ?? 0) + wg * (gossip?.latencyMs ?? 0)) / (wl + wg)
  return local?.observed === true ? local.latencyMs : 0
}

/** cost = latency x (queue + 1), from a local view and a gossiped load observed `gossipAgeMs` ago. */
export function p2cCost (local: LocalView | undefined, gossip: Load | undefined, gossipAgeMs: number, o: CostOptions = {}): number {
  const latency = p2cLatency(local, gossip, gossipAgeMs, o)
  const decay = gossip !== undefined ? Math.exp(-Math.max(0, gossipAgeMs) / (o.gossipDecayMs ?? GOSSIP_DECAY_MS)) : 0
  const localQueue = local?.inflight ?? 0
  const gossipQueue = gossip !== undefined ? gossip.inflight * decay : 0
  const queue = o.gossipInflight === 'max'
    ? Math.max(localQueue, gossipQueue)
    : localQueue + (local?.observed === true ? 0 : gossipQueue)
  if (latency === 0 && queue > 0) return UNKNOWN_BUSY_PENALTY
  return latency * (queue + 1)
}

export function createP2cPicker (candidates: readonly Candidate[]): Picker {
  const list = Object.freeze([...candidates])
  const scratch = new Int32Array(list.length) // indexes of usable candidates, reused by every pick
  const pick = (ctx: PickContext): string | undefined => {
    let u = 0
    for (let i = 0; i < list.length; i++) if (ctx.usable(list[i].peerId)) scratch[u++] = i
    if (u === 0) return undefined
    if (u === 1) return list[scratch[0]].peerId
    const i = Math.floor(ctx.random() * u)
    let j = Math.floor(ctx.random() * (u - 1))
    if (j >= i) j++
    const a = list[scratch[i]]
    const b = list[scratch[j]]
    // the lower tier wins (src/slow.ts: a slow peer loses to one that is not, whatever their queues)
    const ta = ctx.tier(a)
    const tb = ctx.tier(b)
    if (ta !== tb) return tb < ta ? b.peerId : a.peerId
    return ctx.cost(b) < ctx.cost(a) ? b.peerId : a.peerId
  }
  return {
    strategy: 'p2c',
    candidates: list,
    pick,
    order (ctx: PickContext): string[] {
      const first = pick(ctx)
      if (first === undefined) return appendRest([], list, ctx)
      return appendRest([first, ...byCost(list, ctx, first)], list, ctx)
    }
  }
}
