/**
 * Server-side idempotency: a call id (shared by the retries and hedges of one logical call) from one caller is
 * executed once; repeats get the same answer, from a bounded cache.
 */

/** Call ids remembered, per node (gRPC's retry design and Stripe's idempotency keys both bound this store). */
export const DEDUP_CAPACITY = 10_000
/** How long a call id is remembered after it completes, ms. */
export const DEDUP_TTL_MS = 60_000

interface Entry {
  result: Promise<unknown>
  expires: number
}

export class DedupCache {
  private readonly entries = new Map<string, Entry>()
  /** Keys in insertion order, consumed from `head`: eviction is O(1), where iterating a Map from its start after
   * many deletions walks every deleted slot (V8 keeps them until the table is rehashed). */
  private order: string[] = []
  private head = 0
  private readonly capacity: number
  private readonly ttlMs: number
  /** Repeats answered from the cache. */
  hits = 0

  constructor (capacity = DEDUP_CAPACITY, ttlMs = DEDUP_TTL_MS) {
    this.capacity = capacity
    this.ttlMs = ttlMs
  }

  /**
   * The answer of call `callId` from `caller`: the cached one for a repeat, or `run()`'s (remembered) for the
   * first. A failure that says the call did not execute (e.g. OVERLOADED) is not remembered, so a retry runs it.
   */
  run (caller: string, callId: string, run: () => unknown, executed: (err: unknown) => boolean): unknown {
    const key = `${caller}\u0000${callId}`
    const hit = this.entries.get(key)
    if (hit !== undefined && hit.expires > Date.now()) {
      this.hits++
      return hit.result
    }
    let result: Promise<unknown>
    try {
      result = Promise.resolve(run())
    } catch (err) {
      result = Promise.reject(err)
    }
    const entry: Entry = { result, expires: Infinity }
    this.entries.set(key, entry)
    this.order.push(key)
    result.then(
      () => { entry.expires = Date.now() + this.ttlMs },
      (err: unknown) => {
        if (executed(err)) entry.expires = Date.now() + this.ttlMs
        else if (this.entries.get(key) === entry) this.entries.delete(key)
      }
    )
    if (this.entries.size > this.capacity) this.evict()
    return result
  }

  get size (): number {
    return this.entries.size
  }

  /**
   * Drops the oldest completed entries down to capacity. It stops at the oldest call still running, so a repeat
   * of a running call joins it; but never holds more than twice the capacity: past that (a handler that never
   * ends holds up the queue) the oldest go whatever their state, and a repeat of such a call would run again.
   */
  private evict (): void {
    while (this.entries.size > this.capacity && this.head < this.order.length) {
      const key = this.order[this.head]
      const entry = this.entries.get(key)
      if (entry !== undefined && entry.expires === Infinity && this.entries.size <= 2 * this.capacity) break
      this.head++
      if (entry !== undefined) this.entries.delete(key)
    }
    if (this.head > this.capacity) {
      this.order = this.order.slice(this.head)
      this.head = 0
    }
  }
}
