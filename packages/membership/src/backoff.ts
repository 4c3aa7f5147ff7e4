/** Dial retry schedule: exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"). */

/** First retry delay, ms (peercall choice: a loopback dial that was refused is worth retrying soon). */
export const DIAL_BACKOFF_BASE_MS = 100
/** Longest delay between retries, ms (peercall choice). */
export const DIAL_BACKOFF_MAX_MS = 10_000

/**
 * Delay before retry number `attempt` (0 = first retry): uniform in [base/2, min(max, base x 2^attempt)].
 * @param rnd a number in [0, 1)
 */
export function backoffDelay (attempt: number, rnd: number, baseMs = DIAL_BACKOFF_BASE_MS, maxMs = DIAL_BACKOFF_MAX_MS): number {
  const cap = Math.min(maxMs, baseMs * Math.pow(2, Math.max(0, attempt)))
  const lo = Math.min(cap, baseMs / 2)
  return Math.floor(lo + rnd * (cap - lo))
}
