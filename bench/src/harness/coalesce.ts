import { encodeFrames } from '../wire.js'

/**
 * Collects frame bodies and writes them as one chunk per tick (`process.nextTick`, after the current
 * macrotask's promise reactions), as peercall does: the design that makes one stream fast.
 */
export class Coalescer {
  #queue: Uint8Array[] = []
  #scheduled = false
  readonly #write: (chunk: Uint8Array) => void

  constructor (write: (chunk: Uint8Array) => void) { this.#write = write }

  push (body: Uint8Array): void {
    this.#queue.push(body)
    if (!this.#scheduled) {
      this.#scheduled = true
      process.nextTick(this.#flush)
    }
  }

  #flush = (): void => {
    this.#scheduled = false
    const q = this.#queue
    this.#queue = []
    if (q.length > 0) this.#write(encodeFrames(q))
  }
}
