/**
 * This peer's own load as a server: calls executing here and the EWMA of their duration. Gossiped by membership
 * so that other peers' balancers see it.
 */

/** Smoothing of the served-latency EWMA: weight of each call (Finagle's peak EWMA uses a 10 s window; a per-call weight keeps this O(1)). */
export const SERVED_LATENCY_ALPHA = 0.05
/**
 * One call in this many is timed for the served-latency EWMA (all are counted in flight): two clock reads per
 * call are about a tenth of a small call's CPU on the server. A timed call stands for the calls in between: its
 * weight is that of as many calls (SAMPLE_WEIGHT), so the average still spans about 1 / SERVED_LATENCY_ALPHA calls.
 */
export const SERVED_SAMPLE_EVERY = 8
const SAMPLE_WEIGHT = 1 - (1 - SERVED_LATENCY_ALPHA) ** SERVED_SAMPLE_EVERY

/** What `start` answers for a call that is not timed. */
const UNTIMED = -1

export class LoadMeter {
  /** Calls executing on this peer now (from every caller, local calls included). */
  inflight = 0
  /** EWMA of the time calls took here, ms. */
  latencyMs = 0
  /** Calls completed here since start. */
  served = 0
  private started = 0
  private timed = 0

  /** Counts a call in; answers what its `end` takes (its start time when it is timed). */
  start (): number {
    this.inflight++
    return (this.started++ % SERVED_SAMPLE_EVERY) === 0 ? performance.now() : UNTIMED
  }

  end (startedAt: number): void {
    this.inflight--
    this.served++
    if (startedAt === UNTIMED) return
    const ms = performance.now() - startedAt
    this.latencyMs = this.timed++ === 0 ? ms : this.latencyMs + SAMPLE_WEIGHT * (ms - this.latencyMs)
  }

  snapshot (): { inflight: number, latencyMs: number } {
    return { inflight: this.inflight, latencyMs: this.latencyMs }
  }
}
