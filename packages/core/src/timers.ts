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

/** What a DeadlineQueue keeps of each entry: its deadline and its place in the queue (managed by the queue). */
export interface Deadlined {
  /** performance.now() ms at which the entry expires. */
  deadlineAt: number
  /** Index in the queue's heap; -1 when not queued. */
  deadlineSlot: number
}

/**
 * Many deadlines on one timer: a binary min-heap of entries by deadline, with one timer armed for the earliest.
 * Adding and removing an entry cost O(log n) and allocate nothing (the entry carries its own slot), where a
 * timer per entry costs a Timeout object and a timer list insertion each. Entries expire in deadline order, each
 * once, when its deadline has passed; the timer is re-armed in steps of at most MAX_TIMER_DELAY_MS, so deadlines
 * of any length work. The timer keeps the process alive only while entries wait, as one timer per entry would.
 */
export class DeadlineQueue<T extends Deadlined> {
  private readonly heap: T[] = []
  private readonly expire: (entry: T) => void
  private timer: ReturnType<typeof setTimeout> | undefined
  /** When the armed timer fires, performance.now() ms. */
  private timerAt = Infinity

  constructor (expire: (entry: T) => void) {
    this.expire = expire
  }

  get size (): number {
    return this.heap.length
  }

  /** Queues `entry` to expire `ms` after `now` (performance.now() ms: by default read here). */
  add (entry: T, ms: number, now = performance.now()): void {
    const at = now + Math.max(0, ms)
    entry.deadlineAt = at
    const heap = this.heap
    entry.deadlineSlot = heap.length
    heap.push(entry)
    this.up(heap.length - 1)
    if (this.timer === undefined || at < this.timerAt) {
      this.arm(at)
    } else if (heap.length === 1) {
      this.timer.ref()
    }
  }

  /** Takes `entry` out of the queue (nothing if it is not queued). */
  remove (entry: T): void {
    const i = entry.deadlineSlot
    const heap = this.heap
    if (i < 0 || heap[i] !== entry) return
    entry.deadlineSlot = -1
    const last = heap.pop() as T
    if (i < heap.length) {
      heap[i] = last
      last.deadlineSlot = i
      this.down(i)
      this.up(last.deadlineSlot)
    }
    // an armed timer stays (it re-arms for the new earliest when it fires) but does not keep the process alive
    if (heap.length === 0) this.timer?.unref()
  }

  /** Stops the timer; entries still queued never expire. */
  clear (): void {
    for (const e of this.heap) e.deadlineSlot = -1
    this.heap.length = 0
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.timerAt = Infinity
  }

  private arm (at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(this.fire, Math.min(Math.max(0, Math.ceil(at - performance.now())), MAX_TIMER_DELAY_MS))
  }

  private readonly fire = (): void => {
    this.timer = undefined
    this.timerAt = Infinity
    const heap = this.heap
    const now = performance.now()
    while (heap.length > 0 && heap[0].deadlineAt <= now) {
      const e = heap[0]
      this.remove(e)
      this.expire(e)
    }
    if (heap.length > 0 && this.timer === undefined) this.arm(heap[0].deadlineAt)
  }

  private up (i: number): void {
    const heap = this.heap
    const e = heap[i]
    while (i > 0) {
      const p = (i - 1) >> 1
      const parent = heap[p]
      if (parent.deadlineAt <= e.deadlineAt) break
      heap[i] = parent
      parent.deadlineSlot = i
      i = p
    }
    heap[i] = e
    e.deadlineSlot = i
  }

  private down (i: number): void {
    const heap = this.heap
    const n = heap.length
    const e = heap[i]
    while (true) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      const c = r < n && heap[r].deadlineAt < heap[l].deadlineAt ? r : l
      if (heap[c].deadlineAt >= e.deadlineAt) break
      heap[i] = heap[c]
      heap[i].deadlineSlot = i
      i = c
    }
    heap[i] = e
    e.deadlineSlot = i
  }
}

/**
 * The time budget of a call as given by a user: a finite positive number of ms is a deadline; 0 and Infinity mean
 * none (undefined). Anything else is not a budget (the caller validates first, see client/validate.ts).
 */
export function budgetMs (timeoutMs: number): number | undefined {
  return timeoutMs > 0 && Number.isFinite(timeoutMs) ? timeoutMs : undefined
}
