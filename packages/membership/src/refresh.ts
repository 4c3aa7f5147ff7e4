/**
 * Period of the record refresh. Every peer republishes its own record (load figures) on gossipsub, and every peer
 * receives every record, so the cluster's cost is N records per period at each of N peers. The period grows with
 * the cluster so that the whole cluster publishes at most `budgetPerSecond` records per second: each peer then
 * receives at most that many (as memberlist scales its push-pull interval with cluster size), up to a longest
 * period that keeps the load figures fresh. Pure; the adapter re-arms its timer with it at every refresh.
 */

/**
 * Records per second that the whole cluster aims to publish by refresh (changes of services or meta go out at
 * once, outside this budget). 2: measured on this project's 2-core machine, each record per second costs every
 * peer about 0.5% of a core (gossipsub receives each about D = 6 times: noise, yamux, protobuf, forwarding; the
 * signature is checked once). An idle peer at N = 8 used 5.7-6.0% of a core with 8, 4.1-4.2% with 4, 3.0-3.3%
 * with 2, and 2.0% with no refresh at all.
 */
export const RECORD_BUDGET_PER_SECOND = 2

/**
 * Longest refresh period, ms: records carry the load figures, and the balancer's scaling advisor ignores load
 * older than three periods of 10 s (`LOAD_STALE_MS` = 30 s). Past N = 10 s x budget (20 peers) the cluster publishes
 * N / 10 records per second instead of the budget: fresh load is worth that much.
 */
export const RECORD_MAX_INTERVAL_MS = 10_000

/** Share of the period by which each refresh is jittered, either way, so that peers do not publish in lockstep. */
export const RECORD_JITTER = 0.1

/**
 * @param baseMs the shortest period (the probe period by default)
 * @param members live members, this peer included
 * @param budgetPerSecond records per second for the whole cluster (Infinity: always `baseMs`)
 * @param maxMs the longest period (never below `baseMs`)
 * @returns the refresh period in ms
 */
export function recordIntervalMs (baseMs: number, members: number, budgetPerSecond = RECORD_BUDGET_PER_SECOND, maxMs = RECORD_MAX_INTERVAL_MS): number {
  if (!(budgetPerSecond > 0) || !Number.isFinite(budgetPerSecond)) return baseMs
  return Math.max(baseMs, Math.min(maxMs, Math.ceil(Math.max(1, members) / budgetPerSecond * 1000)))
}

/** `ms` moved by up to `share` of itself either way; `random` in [0, 1). */
export function jitter (ms: number, random: number, share = RECORD_JITTER): number {
  return Math.round(ms * (1 + share * (2 * random - 1)))
}
