/**
 * @packageDocumentation
 *
 * `@peercall/balancer`: every decision about where a call goes and whether it is tried again. Pure and
 * synchronous: no I/O, no timers, no libp2p; it works on snapshots of candidates (peer id, locality, gossiped
 * load) plus what it observed itself (latency, calls in flight, failures), on an injected clock.
 *
 * The RPC core holds one {@link Balancer} per node ({@link createBalancer}) and calls it on every call:
 * `pick`/`order` to route, `onStart`/`onEnd` to report, `retryBudget`/`hedging` to decide on further attempts.
 * The algorithms are also exported on their own: {@link HashRing}, {@link BoundedLoadTable}, the pickers,
 * {@link p2cCost}, {@link OutlierDetector}, {@link RetryBudget}, {@link HedgingPolicy}, {@link ScalingAdvisor}.
 */
export type { Strategy, Load, Candidate, PickRequest, FailureKind, CallOutcome, HashReroute, PeerStats, PickContext, Picker, BalancerOptions, Balancer } from './types.js'
export { createBalancer, RING_CACHE_SIZE } from './balancer.js'
export { HashRing, DEFAULT_VNODES, type RingOptions } from './ring.js'
export { BoundedLoadTable, boundedCapacity, DEFAULT_EPSILON } from './bounded.js'
export { murmur3, murmur3Bytes, fnv1a32, ringHash } from './hash.js'
export { PeakEwma, EWMA_DECAY_MS } from './ewma.js'
export { p2cCost, p2cLatency, createP2cPicker, GOSSIP_DECAY_MS, GOSSIP_WEIGHT, UNKNOWN_BUSY_PENALTY, type LocalView, type CostOptions } from './p2c.js'
export { createRoundRobinPicker } from './round-robin.js'
export { createRandomPicker } from './random.js'
export { createLocalFirstPicker } from './local-first.js'
export { createHashPicker, type HashPickerOptions } from './hash-picker.js'
export { latencyTier, slowThreshold, SLOW_FACTOR, SLOW_PROBE_INTERVAL_MS, SLOW_PROBE_EVERY_CALLS, TIER_PROBE, TIER_NORMAL, TIER_SLOW, type SlowState } from './slow.js'
export { Lingering, LINGERING_MAX } from './lingering.js'
export * from './outlier.js'
export * from './retry-budget.js'
export * from './hedging.js'
export * from './advisor.js'
export { seededRandom } from './rng.js'
