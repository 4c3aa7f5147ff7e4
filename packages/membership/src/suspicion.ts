/**
 * Suspicion timeouts (Lifeguard's LHA-Suspicion), after hashicorp/memberlist `util.go` and `suspicion.go`.
 * Pure functions; the state machine keeps the confirmations and the timer.
 */

/**
 * Base suspicion timeout: `mult x max(1, log10(max(1, n))) x interval` (memberlist `suspicionTimeout`).
 * @param mult suspicion multiplier (memberlist LAN: 4)
 * @param n estimated cluster size, including this peer
 * @param intervalMs probe interval in ms
 * @returns timeout in ms
 */
export function suspicionTimeout (mult: number, n: number, intervalMs: number): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, n)))
  // memberlist truncates the scale to thousandths before multiplying
  return Math.floor(mult * Math.floor(nodeScale * 1000) * intervalMs / 1000)
}

/**
 * Time left before a suspicion expires, given `confirmations` independent confirmations out of `k` expected
 * (memberlist `remainingSuspicionTime`): the timeout falls from `maxMs` towards `minMs` logarithmically, reaching
 * `minMs` at `k` confirmations. May be negative (the suspicion has already expired).
 */
export function remainingSuspicionTime (confirmations: number, k: number, elapsedMs: number, minMs: number, maxMs: number): number {
  if (k < 1) return minMs - elapsedMs
  const frac = Math.log(confirmations + 1) / Math.log(k + 1)
  const raw = maxMs - frac * (maxMs - minMs)
  const timeout = Math.max(minMs, Math.floor(raw))
  return timeout - elapsedMs
}

/**
 * Number of independent confirmations a suspicion expects before it reaches its minimum timeout
 * (memberlist `suspectNode`: `SuspicionMult - 2`, or 0 when the cluster is too small to provide them).
 * @param n estimated cluster size including this peer
 */
export function expectedConfirmations (mult: number, n: number): number {
  const k = mult - 2
  return n - 2 < k ? 0 : Math.max(0, k)
}

/**
 * A suspicion timeout scaled by this peer's own health score (a peercall addition to Lifeguard, which scales probe
 * timeouts by the score but not suspicion timeouts): `timeout x (score + 1)`, capped at `maxMs` (Lifeguard's
 * longest suspicion timeout), and never below the unscaled timeout.
 *
 * A peer whose loop is slow reads its queued messages late, the refutation among them, and declares a healthy
 * suspect dead at the end of a timeout that the suspect had in fact beaten. Giving a suspect more time only while the
 * observer knows itself degraded keeps a healthy cluster's detection time (score 0: no change) and bounds a loaded
 * one's by the longest timeout Lifeguard already allows.
 * @param timeoutMs the Lifeguard suspicion timeout, from the start of the suspicion
 * @param score this peer's health score (0 when healthy)
 * @param maxMs the longest suspicion timeout (`suspicionMaxTimeoutMult` x the minimum)
 */
export function healthScaledSuspicionTimeout (timeoutMs: number, score: number, maxMs: number): number {
  return Math.min(timeoutMs * (score + 1), Math.max(timeoutMs, maxMs))
}
