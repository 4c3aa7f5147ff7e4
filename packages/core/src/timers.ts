/**
 * Timers for deadlines of any length. Node clamps a setTimeout delay above 2^31 - 1 ms (about 24.8 days) to 1 ms,
 * so a long deadline is armed in steps no longer than that, each re-armed until the deadline is reached.
 */

/** Longest delay Node's setTimeout honours, ms (a larger one fires after 1 ms with a TimeoutOverflowWarning). */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1

/** A timer that fires once, `ms` from now, however large `ms` is; `clearDeadlineTimer` stops it. */
export type DeadlineTimer = ReturnType<typeof setTimeout> | LongTimer

class LongTimer {
  private handle: ReturnType<typeof setTimeout> | undefined
  private readonly at: number
  private readonly fn: () => void
  private readonly unref: boolean

  constructor (fn: () => void, ms: number, unref: boolean) {
    this.fn = fn
    this.at = Date.now() + ms
    this.unref = unref
    this.arm(ms)
  }

  private arm (ms: number): void {
    this.handle = setTimeout(this.step, Math.min(Math.max(0, ms), MAX_TIMER_DELAY_MS))
    if (this.unref) this.handle.unref()
  }

  private readonly step = (): void => {
    const left = this.at - Date.now()
    if (left > 0) {
      this.arm(left)
      return
    }
    this.handle = undefined
    this.fn()
  }

  cancel (): void {
    if (this.handle !== undefined) clearTimeout(this.handle)
    this.handle = undefined
  }
}

/**
 * Calls `fn` once `ms` ms have passed. A delay within Node's range is one plain timer (the common case costs
 * nothing extra); a longer one is re-armed in steps. `unref` lets the process exit while the timer waits.
 */
export function setDeadlineTimer (fn: () => void, ms: number, unref = false): DeadlineTimer {
  if (ms <= MAX_TIMER_DELAY_MS) {
    const handle = setTimeout(fn, Math.max(0, ms))
    if (unref) handle.unref()
    return handle
  }
  return new LongTimer(fn, ms, unref)
}

/** Stops a timer of setDeadlineTimer (undefined: nothing to stop). */
export function clearDeadlineTimer (timer: DeadlineTimer | undefined): void {
  if (timer === undefined) return
  if (timer instanceof LongTimer) timer.cancel()
  else clearTimeout(timer)
}

/**
 * The time budget of a call as given by a user: a finite positive number of ms is a deadline; 0 and Infinity mean
 * none (undefined). Anything else is not a budget (the caller validates first, see client/validate.ts).
 */
export function budgetMs (timeoutMs: number): number | undefined {
  return timeoutMs > 0 && Number.isFinite(timeoutMs) ? timeoutMs : undefined
}
