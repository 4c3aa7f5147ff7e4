/**
 * Peak EWMA of latency, as Finagle's `PeakEwma` load metric: a new sample above the current estimate replaces it
 * at once (the peak), a lower one is averaged in with a weight that depends on the time since the last sample, and
 * reading the estimate decays it towards zero with the same time constant, so a peer that was slow once and is
 * no longer tried is eventually tried again.
 */

/** Time constant of the decay. Finagle `PeakEwma` decayTime default (10 s); linkerd2-proxy uses the same. */
export const EWMA_DECAY_MS = 10_000

export class PeakEwma {
  private cost = 0
  private stamp: number
  private readonly tau: number
  /** Whether any sample was observed. */
  observed = false

  constructor (now: number, decayMs: number = EWMA_DECAY_MS) {
    this.stamp = now
    this.tau = decayMs
  }

  /** Adds a latency sample (ms) taken at `now` (ms). */
  observe (rttMs: number, now: number): void {
    const td = Math.max(now - this.stamp, 0)
    const w = Math.exp(-td / this.tau)
    if (rttMs > this.cost) this.cost = rttMs
    else this.cost = this.cost * w + rttMs * (1 - w)
    this.stamp = Math.max(now, this.stamp)
    this.observed = true
  }

  /** The estimate at `now` (ms); like Finagle's `get`, it observes a zero sample (decays). */
  get (now: number): number {
    this.observe(0, now)
    return this.cost
  }
}
