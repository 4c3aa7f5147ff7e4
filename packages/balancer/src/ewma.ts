/**
 * Peak EWMA of latency, as Finagle's `PeakEwma` load metric: a new sample above the current estimate replaces it
 * at once (the peak), a lower one is averaged in with a weight that depends on the time since the last sample, and
 * reading the estimate decays it towards zero with the same time constant, so a peer that was slow once and is
 * no longer tried is eventually tried again.
 *
 * One change from Finagle: a lower sample weighs at least `minWeight` (1/16), so the estimate of a peer that is
 * called often falls back to its usual latency within a few tens of samples after a spike. With the weight by
 * elapsed time alone, a peer answering 1,000 calls a second weighs each new sample 1e-4 and so keeps its worst
 * sample of the last ~10 s: on a loaded machine, peers answering in 5 ms kept an estimate of 17 ms, which made a
 * 40 ms peer with nothing in flight look cheaper than a fast one with two calls in flight (docs/balancing.md,
 * "The tail on real peers"). A peer called rarely (the slow one) keeps its peak as before.
 */

/** Time constant of the decay. Finagle `PeakEwma` decayTime default (10 s); linkerd2-proxy uses the same. */
export const EWMA_DECAY_MS = 10_000
/**
 * Least weight of a sample below the estimate: the estimate forgets a spike within about 16 samples whatever their
 * rate. Chosen here (docs/balancing.md, "The tail on real peers"); 1/16 is also TCP's RTT variance gain (RFC 6298
 * uses 1/8 for SRTT and 1/4 for RTTVAR; 1/16 keeps more memory, since one peer's samples come from many calls).
 */
export const EWMA_MIN_WEIGHT = 1 / 16

export class PeakEwma {
  private cost = 0
  private stamp: number
  private readonly tau: number
  private readonly keep: number
  /** Whether any sample was observed. */
  observed = false

  constructor (now: number, decayMs: number = EWMA_DECAY_MS, minWeight: number = EWMA_MIN_WEIGHT) {
    this.stamp = now
    this.tau = decayMs
    this.keep = 1 - minWeight
  }

  /** Adds a latency sample (ms) taken at `now` (ms). */
  observe (rttMs: number, now: number): void {
    this.update(rttMs, now, this.keep)
    this.observed = true
  }

  /** The estimate at `now` (ms); like Finagle's `get`, it observes a zero sample, weighted by elapsed time only. */
  get (now: number): number {
    this.update(0, now, 1)
    return this.cost
  }

  /** Replaces the estimate with a sample (ms) taken at `now` (ms): the answer of a probe. */
  reset (rttMs: number, now: number): void {
    this.cost = rttMs
    this.stamp = Math.max(now, this.stamp)
    this.observed = true
  }

  private update (rttMs: number, now: number, keepAtMost: number): void {
    const td = now - this.stamp
    // no time elapsed (samples of one clock reading): exp(0) = 1, so the weight is keepAtMost
    const w = td > 0 ? Math.min(Math.exp(-td / this.tau), keepAtMost) : keepAtMost
    if (rttMs > this.cost) this.cost = rttMs
    else this.cost = this.cost * w + rttMs * (1 - w)
    this.stamp = Math.max(now, this.stamp)
  }
}
