/** Pending calls by request id. */
export class Pending {
  #next = 1
  #map = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()

  /** Returns a fresh id and the promise that `settle(id, ...)` will complete. */
  open (): { id: number, promise: Promise<unknown> } {
    const id = this.#next++
    if (this.#next > 0x7fffffff) this.#next = 1
    const promise = new Promise<unknown>((resolve, reject) => { this.#map.set(id, { resolve, reject }) })
    return { id, promise }
  }

  settle (id: number, value: unknown): void {
    const p = this.#map.get(id)
    if (p === undefined) return
    this.#map.delete(id)
    p.resolve(value)
  }

  failAll (err: Error): void {
    for (const p of this.#map.values()) p.reject(err)
    this.#map.clear()
  }
}
