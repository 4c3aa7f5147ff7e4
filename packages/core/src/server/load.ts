/**
 * This peer's own load as a server: calls executing here and the EWMA of their duration. Gossiped by membership
 * so that other peers' balancers see it.
 */

/** Smoothing of the served-latency EWMA: weight of each new sample (Finagle's peak EWMA uses a 10 s window; a per-sample weight keeps this O(1)). */
export const SERVED_LATENCY_ALPHA = 0.05

export class LoadMeter {
  /** Calls executing on this peer now (from every caller, local calls included). */
  inflight = 0
  /** EWMA of the time calls took here, ms. */
  latencyMs = 0
  /** Calls completed here since start. */
  served = 0

  start (): number {
    this.inflight++
    return performance.now()
  }

  end (startedAt: number): void {
    this.inflight--
    this.served++
    const ms = performance.now() - startedAt
    this.latencyMs = this.served === 1 ? ms : this.latencyMs + SERVED_LATENCY_ALPHA * (ms - this.latencyMs)
  }

  snapshot (): { inflight: number, latencyMs: number } {
    return { inflight: this.inflight, latencyMs: this.latencyMs }
  }
}
