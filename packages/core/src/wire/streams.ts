/**
 * Streamed items with credit-based flow control, for both directions of a call: the answer's ITEMs (server to
 * caller) and the input's INPUTs (caller to server). The receiver grants a window of items up front and more as
 * its consumer takes them (half a window at a time, as HTTP/2 and yamux grant bytes); the sender sends only
 * within the credit it holds. So a fast producer with a slow consumer holds at most one window of items in
 * flight and in the receiver's buffer, whatever the direction.
 */
import { RpcError } from '../errors.js'

/** Items a receiver grants at the start of a stream (gRPC-js and Moleculer buffer per stream; 16 items of at most maxFrameSize each bound memory). */
export const STREAM_WINDOW_ITEMS = 16

/** The receiving end: an async iterator over the items the remote sends, granting credit as they are consumed. */
export class InboundItems implements AsyncIterableIterator<unknown> {
  private readonly window: number
  private readonly grant: (n: number) => void
  private readonly onReturn: () => void
  private readonly buffer: unknown[] = []
  private waiter: { resolve: (r: IteratorResult<unknown>) => void, reject: (err: unknown) => void } | undefined
  /** Credit the remote still holds (granted, not yet used). */
  private outstanding: number
  private consumed = 0
  private ended = false
  private error: unknown
  private finished = false

  /**
   * `grant(n)`: send the remote n more credit. `onReturn()`: the consumer left before the end (cancel the
   * remote producer).
   */
  constructor (window: number, grant: (n: number) => void, onReturn: () => void) {
    this.window = window
    this.outstanding = window
    this.grant = grant
    this.onReturn = onReturn
  }

  /** Items received and not yet taken by the consumer. */
  get buffered (): number {
    return this.buffer.length
  }

  /** Whether the remote may send one more item (false: it broke the flow control). */
  get hasCredit (): boolean {
    return this.outstanding > 0
  }

  /** An item from the remote. False when the remote had no credit for it (a protocol violation). */
  push (value: unknown): boolean {
    if (this.ended || this.finished) return true
    if (this.outstanding <= 0) return false
    this.outstanding--
    const w = this.waiter
    if (w !== undefined) {
      this.waiter = undefined
      this.took()
      w.resolve({ value, done: false })
    } else {
      this.buffer.push(value)
    }
    return true
  }

  /** The remote's items ended normally. */
  end (): void {
    if (this.ended) return
    this.ended = true
    const w = this.waiter
    if (w !== undefined && this.buffer.length === 0) {
      this.waiter = undefined
      this.finished = true
      w.resolve({ value: undefined, done: true })
    }
  }

  /** The stream failed: the consumer gets the items before the failure, then the error. */
  fail (err: unknown): void {
    if (this.ended) return
    this.ended = true
    this.error = err
    const w = this.waiter
    if (w !== undefined && this.buffer.length === 0) {
      this.waiter = undefined
      this.finished = true
      w.reject(err)
    }
  }

  async next (): Promise<IteratorResult<unknown>> {
    if (this.buffer.length > 0) {
      const value = this.buffer.shift()
      this.took()
      return { value, done: false }
    }
    if (this.finished) return { value: undefined, done: true }
    if (this.ended) {
      this.finished = true
      if (this.error !== undefined) throw this.error
      return { value: undefined, done: true }
    }
    if (this.waiter !== undefined) throw new RpcError('INVALID_ARGUMENT', 'a stream is read by one consumer at a time')
    return await new Promise((resolve, reject) => { this.waiter = { resolve, reject } })
  }

  async return (): Promise<IteratorResult<unknown>> {
    if (!this.finished) {
      this.finished = true
      this.buffer.length = 0
      if (!this.ended) {
        this.ended = true
        this.onReturn()
      }
    }
    return { value: undefined, done: true }
  }

  [Symbol.asyncIterator] (): AsyncIterableIterator<unknown> {
    return this
  }

  /** Counts one item taken by the consumer; grants credit back once half a window has been taken. */
  private took (): void {
    if (this.ended) return
    this.consumed++
    if (this.consumed >= Math.max(1, this.window >> 1)) {
      const n = this.consumed
      this.consumed = 0
      this.outstanding += n
      this.grant(n)
    }
  }
}

/** The sending end's credit: how many items may be sent now, and a wait for more. */
export class Credit {
  private n: number
  private waiter: (() => void) | undefined
  private closed = false

  constructor (initial: number) {
    this.n = initial
  }

  add (n: number): void {
    this.n += n
    const w = this.waiter
    if (w !== undefined && this.n > 0) {
      this.waiter = undefined
      w()
    }
  }

  /** Resolves true once one item may be sent (and takes its credit), false if closed first. */
  async take (): Promise<boolean> {
    while (this.n <= 0) {
      if (this.closed) return false
      await new Promise<void>(resolve => { this.waiter = resolve })
    }
    if (this.closed) return false
    this.n--
    return true
  }

  close (): void {
    this.closed = true
    const w = this.waiter
    this.waiter = undefined
    w?.()
  }
}

/**
 * Sends the items of `source` within `credit`: each item waits for credit, then goes to `send`. Stops early when
 * `stopped()` says so (the call was cancelled), closing the source (an async generator's `finally` runs).
 * Resolves when the source is done; rejects with what the source threw.
 */
export async function pumpItems (source: AsyncIterator<unknown>, credit: Credit, send: (value: unknown) => void, stopped: () => boolean): Promise<'done' | 'stopped'> {
  try {
    while (true) {
      if (!(await credit.take()) || stopped()) {
        await source.return?.()
        return 'stopped'
      }
      const r = await source.next()
      if (r.done === true) return 'done'
      if (stopped()) {
        await source.return?.()
        return 'stopped'
      }
      try {
        send(r.value)
      } catch (err) {
        await source.return?.()
        throw err
      }
    }
  } catch (err) {
    if (stopped()) return 'stopped'
    throw err
  }
}

/** Whether `v` can be iterated with `for await`. */
export function isAsyncIterable (v: unknown): v is AsyncIterable<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
}
