/**
 * The balancer's public types: candidates, requests, outcomes, statistics, the pickers' and the balancer's
 * interfaces. In a file of their own so that the implementations import them without importing index.ts.
 */
import type { MemberLoad, ScalingAdvice, ScalingOptions } from './advisor.js'
import type { HedgingOptions, HedgingPolicy } from './hedging.js'
import type { HealthState, OutlierOptions } from './outlier.js'
import type { RetryBudget, RetryBudgetOptions } from './retry-budget.js'

export type Strategy = 'p2c' | 'hash' | 'round-robin' | 'random' | 'local-first'

/** Load as gossiped by a peer. */
export interface Load {
  /** Calls in flight on that peer (from all callers). */
  inflight: number
  /** That peer's EWMA handler latency, ms. */
  latencyMs: number
  /** CPU used, as a share of one core (0..1). */
  cpu?: number
  /** Event-loop delay, ms. */
  eventLoopDelayMs?: number
  /** When this load was received, on this balancer's clock (ms). Missing: treated as fresh. */
  at?: number
}

/** A peer that can serve the call. */
export interface Candidate {
  peerId: string
  /** True for this very peer (local-first prefers it). */
  local?: boolean
  /** Its gossiped load, if any. */
  load?: Load
}

export interface PickRequest {
  strategy: Strategy
  /** The key for 'hash'. Without it 'hash' behaves as 'p2c'. */
  key?: string
  /** Peers not to use (already tried for this call). */
  exclude?: ReadonlySet<string>
  /** Service name: snapshots and rings are cached per service. */
  service?: string
  /** The call can be hedged at once, so it may be the probe of a slow peer (src/slow.ts). @default false */
  mayProbe?: boolean
}

/**
 * Why an attempt failed. 'transport', 'timeout' and 'overloaded' count against the peer (outlier ejection);
 * 'remote' (the handler threw: the peer works) and 'cancelled' (the caller gave up) do not.
 */
export type FailureKind = 'transport' | 'timeout' | 'overloaded' | 'remote' | 'cancelled'

export interface CallOutcome {
  latencyMs: number
  ok: boolean
  failureKind?: FailureKind
  /**
   * The attempt was a hedge (sent while an earlier attempt of the call was still out). The hedging delay is the
   * percentile of first attempts' latencies, so a hedge's own latency is not one of its samples; a first attempt
   * that a hedge beat (`cancelled`) is, at the time it had waited (the least it would have taken).
   */
  hedge?: boolean
}

/**
 * Why a 'hash' pick did not go to the key's owner on the ring: the owner was `excluded` by the request (already
 * tried by this call: a retry), is `ejected` (outlier ejection after failures), or was `over-capacity` (bounded
 * loads: its calls in flight from here are at the capacity). Nothing else moves a key off its owner; a membership
 * change moves it by changing the ring.
 */
export type HashReroute = 'excluded' | 'ejected' | 'over-capacity'

/** What the balancer knows of one peer. */
export interface PeerStats {
  peerId: string
  /** This peer's calls in flight there. */
  inflight: number
  /** Peak-EWMA latency now, ms (0 if never observed). */
  latencyMs: number
  calls: number
  failures: number
  /** Its expected latency is 3x the median candidate's or more: p2c avoids it but for a probe a second (src/slow.ts). */
  slow: boolean
  consecutiveFailures: number
  state: HealthState
  /** The ejection multiplier (ejections not yet decayed). */
  ejections: number
  /** Time left of the current ejection, ms. */
  ejectedForMs: number
}

/**
 * What a picker sees of the moment of one pick: the parts that change per call. The picker itself is an
 * immutable snapshot of the candidates.
 */
export interface PickContext {
  /** The clock, ms. */
  readonly now: number
  /** A call counter per service (round-robin's turn). */
  readonly seq: number
  readonly key?: string
  /** Uniform in [0, 1). */
  random(): number
  /** Not excluded and not ejected (or every non-excluded candidate is ejected). */
  usable(peerId: string): boolean
  /** Excluded by the request. */
  excluded(peerId: string): boolean
  /** p2c cost of a candidate: peak-EWMA latency x (in-flight + 1), local and gossiped figures mixed. */
  cost(candidate: Candidate): number
  /**
   * The candidate's rank before costs are compared (src/slow.ts): TIER_NORMAL (1); TIER_SLOW (2) when its expected
   * latency (as in `cost`, nothing queued) is SLOW_FACTOR (3) times the candidates' median or more; TIER_PROBE (0)
   * for a slow peer due for its probe, when the call may probe.
   */
  tier(candidate: Candidate): number
  /** This peer's calls in flight to a peer. */
  inflight(peerId: string): number
}

/** One strategy over one immutable snapshot of candidates. */
export interface Picker {
  readonly strategy: Strategy
  readonly candidates: readonly Candidate[]
  /** The peer for this call, or undefined when no candidate is left. */
  pick(ctx: PickContext): string | undefined
  /** Every candidate not excluded, in failover order (the first is a pick; ejected peers come last). */
  order(ctx: PickContext): string[]
}

export interface BalancerOptions {
  /** The clock, ms. @default Date.now */
  now?: () => number
  /** Uniform random numbers in [0, 1). @default Math.random (or a seeded generator when `seed` is given) */
  random?: () => number
  /** Seed for a deterministic generator (tests, simulations). */
  seed?: number
  /** Virtual nodes per peer on the hash rings. @default 2048 */
  vnodes?: number
  /** Bounded-loads factor for 'hash'; Infinity turns bounded loads off. @default 0.25 */
  epsilon?: number
  /** Rings kept in the cache (one per service and member set). @default 64 */
  ringCacheSize?: number
  outlier?: OutlierOptions
  retryBudget?: RetryBudgetOptions
  hedging?: HedgingOptions
  scaling?: ScalingOptions
  cost?: CostOptions
}

/** The facade the RPC core holds, one per node. */
export interface Balancer {
  /** The peer for this call, or undefined when no candidate is left (all excluded, or none). */
  pick(candidates: readonly Candidate[], req: PickRequest): string | undefined
  /** The whole failover order for this call (ring successors for 'hash'). */
  order(candidates: readonly Candidate[], req: PickRequest): string[]
  /**
   * The key's owner and its distinct successors on the hash ring of the candidates, `n` at most: placement that
   * depends only on the member set (no bounded loads, no ejection), for replicas.
   */
  successors(candidates: readonly Candidate[], key: string, service?: string, n?: number): string[]
  /**
   * How long to wait before hedging an attempt at `peerId`: the hedging delay (undefined while too few samples),
   * or 0 when the last pick chose `peerId` as a slow peer's probe (src/slow.ts): ask between `pick` and `onStart`.
   */
  hedgeDelayMs(peerId: string): number | undefined
  /** Records one logical call (deposits into the retry and hedging budgets). Call once per call, not per attempt. */
  onCall(): void
  /** An attempt to `peerId` starts. */
  onStart(peerId: string): void
  /** That attempt ended. */
  onEnd(peerId: string, outcome: CallOutcome): void
  /** Forgets a peer that left the cluster. */
  forget(peerId: string): void
  readonly retryBudget: RetryBudget
  readonly hedging: HedgingPolicy
  stats(peerId: string): PeerStats
  /** Scaling advice from the members' load snapshots. */
  advise(loads: readonly MemberLoad[]): ScalingAdvice
  /** 'hash' picks with a key that went to another peer than the key's owner, by reason, since the start. */
  hashReroutes(): Readonly<Record<HashReroute, number>>
}

/** How p2c mixes what this peer observed with what peers gossip. */
export interface CostOptions {
  /** @default 3000 */
  gossipDecayMs?: number
  /** @default 0.5 */
  gossipWeight?: number
  /** Time constant of the local samples' weight. @default 10000 (the peak-EWMA decay) */
  localDecayMs?: number
  /**
   * How gossiped in-flight counts enter the queue: only while there is no local sample ('cold-start'), or always
   * as max(local, gossiped) ('max', herds under load; kept for the comparison). @default 'cold-start'
   */
  gossipInflight?: 'cold-start' | 'max'
}
