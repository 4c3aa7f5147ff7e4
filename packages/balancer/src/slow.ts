/**
 * Slow peers. A peer is slow when the latency expected of it (its peak EWMA mixed with its gossiped latency, as in
 * the p2c cost, with nothing queued) is `SLOW_FACTOR` (3) times the median of the candidates' or more. Slowness is
 * relative to the other peers, as gRPC's and Envoy's outlier detection judge a host against the population: when
 * every peer slows down none is slow, and a stall of the caller itself, which delays the attempts at every peer at
 * once, does not hide a slow peer for longer than its peers' estimates take to recover (about 16 samples).
 *
 * p2c ranks candidates in tiers before comparing costs: a slow peer loses to one that is not, whatever their
 * queues (the queue factor assumes a peer serves one call at a time, and on real peers that serve many at once it
 * sent 1-5% of calls to a peer 10x slower). A slow peer is still probed, so that its recovery is seen: once per
 * `SLOW_PROBE_INTERVAL_MS` and `SLOW_PROBE_EVERY_CALLS` calls, with nothing else in flight to it, it ranks first
 * for a call that can be hedged. The router hedges an attempt at a slow peer at once, outside the hedging budget,
 * and lets the probe run to its end, so the probe costs one extra request and no caller's time; its answer replaces
 * the peer's estimate (up or down), as a half-open probe decides an ejected peer's state.
 */

/**
 * A peer is slow from this many times the median expected latency. 3: a peer 10x slower stays slow while the others'
 * estimates triple under load (with 4, on a machine loaded 10x beyond its cores, a 20 ms / 200 ms cluster of 8 peers
 * sent the slow one 1% of attempts again); in the simulation's equal peers with exponential service times it
 * changes nothing measurable (max/mean calls per peer 1.039 with 3 and with 4).
 */
export const SLOW_FACTOR = 3
/** At most one probe per slow peer per second, per caller (gRPC's outlier detection lets one call at a time through a half-open peer; one per second bounds the extra load). */
export const SLOW_PROBE_INTERVAL_MS = 1_000
/** ... and per 100 calls of this caller, so that probes stay within 1% of a caller's calls however few it makes. */
export const SLOW_PROBE_EVERY_CALLS = 100

/** A slow peer due for its probe: ranks before every other. */
export const TIER_PROBE = 0
/** A peer that is not slow. */
export const TIER_NORMAL = 1
/** A slow peer: ranks after every other. */
export const TIER_SLOW = 2

export interface SlowState {
  /** When its last probe started (ms); -Infinity if never. */
  probeAt: number
  /** Calls this caller made since then. */
  callsSince: number
  /** Calls in flight to it from this peer, abandoned ones included. */
  inflight: number
}

/** The tier of a peer expected to answer in `expectedMs`, when peers from `slowAboveMs` are slow. */
export function latencyTier (expectedMs: number, slowAboveMs: number, s: SlowState, now: number, mayProbe: boolean): number {
  if (!(expectedMs >= slowAboveMs)) return TIER_NORMAL
  if (mayProbe && s.inflight === 0 && now - s.probeAt >= SLOW_PROBE_INTERVAL_MS && s.callsSince >= SLOW_PROBE_EVERY_CALLS) return TIER_PROBE
  return TIER_SLOW
}

/**
 * The expected latency (ms) from which a peer is slow: `factor` times the lower median of the candidates'
 * expected latencies that are known (above 0); Infinity with fewer than two known.
 */
export function slowThreshold (expectedMs: readonly number[], factor: number = SLOW_FACTOR): number {
  const known = expectedMs.filter(x => x > 0).sort((a, b) => a - b)
  if (known.length < 2) return Infinity
  return factor * known[(known.length - 1) >> 1]
}
