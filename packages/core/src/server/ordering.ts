/**
 * Ordered execution: calls sent with `ordered: true` by one caller with one key run one after another, in the
 * order they arrived (which, on one stream, is the order they were sent).
 */
export class OrderedQueues {
  private readonly tails = new Map<string, Promise<unknown>>()

  /** Runs `fn` after every earlier call of the same caller and key has settled. */
  run (caller: string, key: string, fn: () => unknown): Promise<unknown> {
    const k = `${caller}\u0000${key}`
    const prev = this.tails.get(k)
    const next = prev === undefined ? Promise.resolve().then(fn) : prev.then(fn, fn)
    const tail = next.then(() => {}, () => {})
    this.tails.set(k, tail)
    void tail.then(() => { if (this.tails.get(k) === tail) this.tails.delete(k) })
    return next
  }

  /** Keys with calls queued or running. */
  get size (): number {
    return this.tails.size
  }
}
