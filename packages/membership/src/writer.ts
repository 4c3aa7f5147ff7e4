/**
 * The writer of one long-lived stream, shared by membership's links and the RPC core's sessions: frames are
 * queued and leave as one chunk per wake of the sink (coalescing), and the queue is bounded (back-pressure).
 * The framing is the caller's (`encode` joins the bodies of one chunk: varint lengths here, 4-byte lengths in
 * the RPC protocol).
 *
 * Flow control, end to end: the stream's sink pulls the next chunk only once the multiplexer has taken the
 * previous one, and yamux takes data only within the send window the remote grants as it reads (256 KiB per
 * stream, credit-based as in HTTP/2). So when the remote reads slowly, chunks stop leaving, the queue here fills,
 * and new requests wait in FIFO order for room (up to their own deadline) instead of failing. Bytes queued are
 * bounded per stream (`maxQueuedBytes`) and per node (a shared `WriteBudget`); the bodies of waiting requests
 * are held by their callers, as their arguments were.
 */

/** Bytes queued across all the streams of one node, with the writers waiting for room in it. */
export class WriteBudget {
  readonly limit: number
  used = 0
  private readonly blocked = new Set<FrameWriter>()

  constructor (limit: number) {
    this.limit = limit
  }

  /** Marks `writer` as having requests that wait for node-wide room. */
  block (writer: FrameWriter): void {
    this.blocked.add(writer)
  }

  unblock (writer: FrameWriter): void {
    this.blocked.delete(writer)
  }

  /** Returns `n` bytes and lets blocked writers move their waiting requests in. */
  release (n: number): void {
    this.used -= n
    if (this.blocked.size === 0) return
    for (const w of [...this.blocked]) {
      if (this.used >= this.limit) return
      w.pump()
    }
  }
}

/** A request body waiting for room in the queue. */
export interface Ticket {
  readonly body: Uint8Array
  /** Called once the body is queued. */
  readonly admitted: () => void
}

export interface WriterOptions {
  /** Bytes queued on this stream past which new requests wait (or, for a sender that drops, are refused). */
  maxQueuedBytes: number
  /** Node-wide bound shared by every stream's writer. */
  budget?: WriteBudget
  /** Joins the frame bodies of one chunk, each with its length prefix. */
  encode: (bodies: readonly Uint8Array[]) => Uint8Array
}

export class FrameWriter {
  private readonly maxQueuedBytes: number
  private readonly budget: WriteBudget | undefined
  private readonly encode: (bodies: readonly Uint8Array[]) => Uint8Array
  private queue: Uint8Array[] = []
  /** Told, per frame pushed with one, once the chunk holding it has been taken by the stream (or false on close). */
  private callbacks: Array<(taken: boolean) => void> = []
  /** The callbacks of the chunk last yielded, until the stream asks for the next one. */
  private writing: Array<(taken: boolean) => void> = []
  private queued = 0
  private readonly waiting: Ticket[] = []
  private wake: (() => void) | undefined
  private wakeTimer: ReturnType<typeof setImmediate> | undefined
  private takenWaiters: Array<(taken: boolean) => void> = []
  private ending = false
  private closed = false

  constructor (options: WriterOptions) {
    this.maxQueuedBytes = options.maxQueuedBytes
    this.budget = options.budget
    this.encode = options.encode
  }

  /** Bytes queued that the sink has not taken yet. */
  get queuedBytes (): number {
    return this.queued
  }

  /** Requests waiting for room. */
  get waitingCount (): number {
    return this.waiting.length
  }

  /** Whether a request of `bytes` may be queued now: room on this stream and in the node's budget, and nobody waiting before it. */
  hasRoom (bytes: number): boolean {
    if (this.waiting.length > 0) return false
    return this.fits(bytes)
  }

  private fits (bytes: number): boolean {
    // an empty queue always takes one frame, so a frame larger than the bound still goes out alone
    if (this.queued > 0 && this.queued + bytes > this.maxQueuedBytes) return false
    if (this.budget !== undefined && this.budget.used > 0 && this.budget.used + bytes > this.budget.limit) return false
    return true
  }

  /**
   * Queues a frame. `defer`: more frames are expected in this turn of the event loop, so the sink is woken at
   * its end (one chunk for all of them) rather than at once. `onTaken(true)`: the stream has taken the chunk
   * holding it (it asked for the next one); `onTaken(false)`: the writer closed first.
   */
  push (body: Uint8Array, defer = false, onTaken?: (taken: boolean) => void): void {
    if (this.closed) {
      onTaken?.(false)
      return
    }
    this.queue.push(body)
    if (onTaken !== undefined) this.callbacks.push(onTaken)
    this.queued += body.byteLength
    if (this.budget !== undefined) this.budget.used += body.byteLength
    if (this.wake === undefined) return
    if (defer) this.wakeTimer ??= setImmediate(this.wakeSoon)
    else this.wakeNow()
  }

  /** Queues `ticket` when there is room, else keeps it waiting in FIFO order until there is (or it is withdrawn). */
  wait (ticket: Ticket): void {
    this.waiting.push(ticket)
    this.budget?.block(this)
  }

  /** Takes back a ticket that has not been queued yet; false if it was queued already. */
  withdraw (ticket: Ticket): boolean {
    const i = this.waiting.indexOf(ticket)
    if (i < 0) return false
    this.waiting.splice(i, 1)
    if (this.waiting.length === 0) this.budget?.unblock(this)
    else if (i === 0) this.pump()
    return true
  }

  /** Moves waiting requests into the queue while there is room. */
  pump (): void {
    let moved = false
    while (this.waiting.length > 0 && !this.closed && this.fits(this.waiting[0].body.byteLength)) {
      const t = this.waiting.shift() as Ticket
      this.push(t.body, true)
      moved = true
      t.admitted()
    }
    if (this.waiting.length === 0) this.budget?.unblock(this)
    if (moved) this.wakeTimer ??= setImmediate(this.wakeSoon)
  }

  /** Resolves true once the sink has taken what is queued now, false if the writer closes first. */
  taken (): Promise<boolean> {
    if (this.queued === 0) return Promise.resolve(true)
    if (this.closed) return Promise.resolve(false)
    return new Promise(resolve => { this.takenWaiters.push(resolve) })
  }

  /** Flushes what is queued (frames of this turn included), then ends the source. */
  end (): void {
    this.ending = true
    if (this.wakeTimer !== undefined) {
      clearImmediate(this.wakeTimer)
      this.wakeTimer = undefined
    }
    this.wakeNow()
  }

  /** Stops at once: what is queued is dropped, waiting tickets are the caller's to fail. */
  close (): void {
    if (this.closed) return
    this.closed = true
    if (this.wakeTimer !== undefined) clearImmediate(this.wakeTimer)
    this.wakeTimer = undefined
    if (this.budget !== undefined) {
      this.budget.unblock(this)
      if (this.queued > 0) this.budget.release(this.queued)
    }
    this.queue = []
    this.queued = 0
    this.waiting.length = 0
    const failed = [...this.writing, ...this.callbacks]
    this.writing = []
    this.callbacks = []
    for (const cb of failed) cb(false)
    this.notifyTaken(false)
    this.wakeNow()
  }

  /** Waiting tickets, in order (for the caller to fail them on close). */
  waitingTickets (): readonly Ticket[] {
    return this.waiting
  }

  private readonly wakeSoon = (): void => {
    this.wakeTimer = undefined
    this.wakeNow()
  }

  private wakeNow (): void {
    const wake = this.wake
    if (wake !== undefined) {
      this.wake = undefined
      wake()
    }
  }

  private notifyTaken (taken: boolean): void {
    if (this.takenWaiters.length === 0) return
    const waiters = this.takenWaiters
    this.takenWaiters = []
    for (const w of waiters) w(taken)
  }

  /** The chunks for the stream's sink: each is every frame queued since the last one, in one buffer. */
  async * source (): AsyncGenerator<Uint8Array> {
    while (true) {
      if (this.closed) return
      if (this.queue.length === 0) {
        if (this.ending) return
        await new Promise<void>(resolve => { this.wake = resolve })
        continue
      }
      const batch = this.queue
      const bytes = this.queued
      this.queue = []
      this.queued = 0
      this.notifyTaken(true)
      if (this.budget !== undefined) this.budget.release(bytes)
      if (this.waiting.length > 0) this.pump()
      if (this.callbacks.length === 0) {
        yield this.encode(batch)
        continue
      }
      this.writing = this.callbacks
      this.callbacks = []
      yield this.encode(batch)
      // the stream asks for the next chunk only once it has handed this one to the multiplexer
      const taken = this.writing
      this.writing = []
      for (const cb of taken) cb(true)
    }
  }
}
