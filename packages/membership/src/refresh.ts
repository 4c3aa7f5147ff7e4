/**
 * Period of the record refresh. Every peer republishes its own record (load figures) on gossipsub, and every peer
 * receives every record, so the cluster's cost is N records per period at each of N peers. The period grows with
 * the cluster so that the whole cluster publishes at most `budgetPerSecond` records per second: each peer then
 * receives at most that many, whatever N is (as memberlist scales its push-pull interval with cluster size).
 * Pure; the adapter re-arms its timer with it at every refresh.
 */

/**
 * Records per second that the whole cluster aims to publish by refresh (changes of services or meta go out at
 * once, outside this budget). 8: measured on this project's 2-core machine, each record received per second costs
 * a peer 0.4-1% of a core (signature check, gossipsub forwarding, noise), so 8 stays under a tenth of a core.
 */
export const RECORD_BUDGET_PER_SECOND = 8

/** Share of the period by which each refresh is jittered, either way, so that peers do not publish in lockstep. */
export const RECORD_JITTER = 0.1

/**
 * @param baseMs the shortest period (the probe period by default)
 * @param members live members, this peer included
 * @param budgetPerSecond records per second for the whole cluster (Infinity: always `baseMs`)
 * @returns the refresh period in ms
 */
export function recordIntervalMs (baseMs: number, members: number, budgetPerSecond = RECORD_BUDGET_PER_SECOND): number {
  if (!(budgetPerSecond > 0) || !Number.isFinite(budgetPerSecond)) return baseMs
  return Math.max(baseMs, Math.ceil(Math.max(1, members) / budgetPerSecond * 1000))
}

/** `ms` moved by up to `share` of itself either way; `random` in [0, 1). */
export function jitter (ms: number, random: number, share = RECORD_JITTER): number {
  return Math.round(ms * (1 + share * (2 * random - 1)))
}
