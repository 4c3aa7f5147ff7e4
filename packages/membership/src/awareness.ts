/**
 * Local health awareness (Lifeguard's LHA-Probe), after hashicorp/memberlist `awareness.go`.
 * The score is 0 when healthy and rises towards `max - 1` when this peer sees signs that it is itself slow
 * (missed nacks, refuting accusations, timers firing late); timeouts are scaled by `score + 1`.
 */

/** Apply a delta to a health score, clamped to `[0, max - 1]` (memberlist `ApplyDelta`). */
export function applyAwarenessDelta (score: number, delta: number, max: number): number {
  return Math.min(Math.max(score + delta, 0), Math.max(0, max - 1))
}

/** Scale a timeout by the health score (memberlist `ScaleTimeout`): `timeout x (score + 1)`. */
export function scaleTimeout (timeoutMs: number, score: number): number {
  return timeoutMs * (score + 1)
}

/**
 * Awareness delta after a failed probe (memberlist `probeNode`): with peers that send nacks, one point per
 * missing nack (if the intermediaries could not even answer us, the problem is probably ours); without any
 * intermediary, one point.
 */
export function failedProbeDelta (expectedNacks: number, nacks: number): number {
  if (expectedNacks > 0) return Math.max(0, expectedNacks - nacks)
  return 1
}

/**
 * Awareness delta for a timer that fired late (a peercall addition for Node.js: a stalled event loop is the
 * commonest way for a peer to be slow). One point per `thresholdMs` of lateness, at most `max`.
 */
export function latenessDelta (latenessMs: number, thresholdMs: number, max: number): number {
  if (thresholdMs <= 0 || latenessMs < thresholdMs) return 0
  return Math.min(max, Math.floor(latenessMs / thresholdMs))
}
