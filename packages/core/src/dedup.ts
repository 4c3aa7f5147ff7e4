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
    const now = Date.now()
    const hit = this.entries.get(key)
    if (hit !== undefined && hit.expires > now) {
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
    result.then(
      () => { entry.expires = Date.now() + this.ttlMs },
      (err: unknown) => {
        if (executed(err)) entry.expires = Date.now() + this.ttlMs
        else if (this.entries.get(key) === entry) this.entries.delete(key)
      }
    )
    this.evict(now)
    return result
  }

  get size (): number {
    return this.entries.size
  }

  private evict (now: number): void {
    if (this.entries.size <= this.capacity) return
    // oldest first (Map keeps insertion order); in-flight entries (expires Infinity) are kept unless all are
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.capacity) break
      if (entry.expires !== Infinity || entry.expires <= now) this.entries.delete(key)
    }
    if (this.entries.size > this.capacity) {
      for (const key of this.entries.keys()) {
        if (this.entries.size <= this.capacity) break
        this.entries.delete(key)
      }
    }
  }
}
