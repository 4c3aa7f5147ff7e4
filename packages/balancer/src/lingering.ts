/**
 * Attempts the caller stopped waiting for (a hedge answered first, the caller gave up) still occupy their peer:
 * the request was sent, and its handler runs until it notices the cancellation, if it ever does. They are counted
 * in flight until they would have answered, by the peer's latency estimate at the time they were abandoned.
 * Without this, a slow peer whose attempts are all hedged at once and abandoned looks idle to p2c (nothing in
 * flight) and is picked again at once: measured on real peers, 2.3-3.3% of attempts went to a 10x slower peer
 * instead of about 1% (docs/balancing.md, "The tail on real peers").
 */

/** Abandoned attempts remembered per peer; older ones are forgotten first. */
export const LINGERING_MAX = 64

/** End times (ms) of a peer's abandoned attempts. */
export class Lingering {
  private ends: number[] = []

  /** An attempt abandoned at `now` after `elapsedMs`, at a peer whose estimate was `estimateMs`. */
  add (now: number, elapsedMs: number, estimateMs: number): void {
    if (!(estimateMs > elapsedMs)) return
    if (this.ends.length >= LINGERING_MAX) this.ends.shift()
    this.ends.push(now + estimateMs - elapsedMs)
  }

  /** How many are still running at `now`. */
  count (now: number): number {
    if (this.ends.length === 0) return 0
    let live = 0
    for (const end of this.ends) if (end > now) live++
    if (live < this.ends.length) this.ends = this.ends.filter(end => end > now)
    return live
  }
}
