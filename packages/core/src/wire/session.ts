/**
 * One RPC session: a long-lived duplex byte stream to one peer carrying many calls at once, in both directions.
 *
 * Either side may send requests; a RESPONSE or ERROR always answers a request that the receiver sent, so each
 * side has its own id space. Frames are the typed union of frames.ts; the FrameWriter coalesces them (every frame
 * queued in one turn of the event loop leaves in one write) and bounds what is queued: a request that finds no
 * room waits for it, up to its deadline (flow control), and is never failed for the queue alone.
 *
 * A request whose fields are wrong is answered INVALID_ARGUMENT alone; only bytes that are not a frame reset the
 * stream (PROTOCOL).
 */
import { RpcError, describeThrown } from '../errors.js'
import { ServerCall, callScope, deadlineError, runInContext } from '../server/context.js'
import { DeadlineQueue } from '../timers.js'
import { WRITE_STALL_TIMEOUT_MS } from '../defaults.js'
import { CallTable } from './call-table.js'
import { FrameDecoder, encodeFrames } from './framing.js'
import { FrameType, MAX_REQUEST_ID, MAX_WIRE_TIMEOUT_MS, decodeFrame, encodeFrame, encodeRequest, encodeResponse } from './frames.js'
import { FrameWriter } from '@peercall/membership'
import { pooledRun } from './simple-pack.js'
import { batchMonoNow, batchWallNow } from '../batch-clock.js'
import { Credit, InboundItems, STREAM_WINDOW_ITEMS, isAsyncIterable, pumpItems } from './streams.js'
import type { HybridClock, HlcTimestamp } from '../hlc.js'
import type { Deadlined } from '../timers.js'
import type { CreditFrame, Decoded, ErrorFrame, ItemFrame, RequestFrame, RequestOptions, ResponseFrame } from './frames.js'
import type { Metadata } from './metadata.js'
import type { Ticket, WriteBudget } from '@peercall/membership'

/** A duplex byte stream: what a libp2p stream (or a test's in-memory pipe) offers. */
export interface ByteStream {
  source: AsyncIterable<Uint8Array | Iterable<Uint8Array>>
  sink(source: AsyncIterable<Uint8Array>): Promise<void>
  close?(): Promise<void>
  abort?(err: Error): void
}

/** Serves one request: returns its result (or a promise of it), or throws. */
export type Dispatch = (call: ServerCall, args: unknown[]) => unknown

export interface SessionLimits {
  maxFrameSize: number
  maxInflight: number
  maxDepth: number
  /** Bytes queued on this stream past which new requests wait for room. */
  maxPendingWriteBytes: number
}

export interface SessionOptions extends SessionLimits {
  /** How long reading may stay paused because the remote does not read, before the session is closed, ms. @default WRITE_STALL_TIMEOUT_MS (30 s) */
  writeStallTimeoutMs?: number
  /** Node-wide bound on queued bytes, shared by every session. */
  writeBudget?: WriteBudget
  /** Peer id of the remote end. */
  peer: string
  clock: HybridClock
  dispatch: Dispatch
  /** Called once, when the session has closed for any reason. */
  onClose?: (session: Session, err?: Error) => void
  log?: (msg: string, ...args: unknown[]) => void
}

export interface RequestOptionsOut {
  /** Relative deadline, ms; undefined for none (also sent to the remote). */
  timeoutMs?: number
  signal?: AbortSignal
  opts?: RequestOptions
  meta?: Metadata
  /** Told of the answer's trailers (if any) before the call settles. */
  onTrailers?: (trailers: Metadata) => void
  /** Input items sent after the request (client streaming, bidi), within the server's credit. */
  input?: AsyncIterable<unknown>
  /** Told when the call fails, before its promise rejects (the caller's failure counter: no promise per call). */
  onFail?: () => void
}

/** A call whose answer is a stream: its items, and the final answer (undefined, or the error, after the items). */
export interface OpenStream {
  items: InboundItems
  done: Promise<unknown>
}

/**
 * Told of a call's outcome in place of a promise: the router's attempts, which settle the routed call's own
 * promise (no promise and no callbacks per attempt). Told at most once.
 */
export interface CallSink {
  answer(value: unknown): void
  fail(err: RpcError): void
}

interface PendingCall extends Deadlined {
  id: number
  service: string
  method: string
  /** Where the outcome goes: `sink` when the caller gave one, else the call's promise (resolve, reject). */
  sink: CallSink | undefined
  resolve: (value: unknown) => void
  reject: (err: RpcError) => void
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
  onTrailers: ((trailers: Metadata) => void) | undefined
  /** Set while the request waits for room in the writer: nothing has been sent. */
  ticket: Ticket | undefined
  /** The answer's items, for a streamed answer. */
  items: InboundItems | undefined
  /** Credit for the call's input items, while it sends input. */
  inputCredit: Credit | undefined
  onFail: (() => void) | undefined
}

/** The stream state of a call being served: credit for its answer's items, the buffer of its input items. */
interface ServedStream {
  call: ServerCall
  itemCredit: Credit | undefined
  input: InboundItems | undefined
}

/** How often calls served past their deadline are swept, when their handler never read its signal, ms. */
const DEADLINE_SWEEP_MS = 1000

/** Queued bytes past which the session is closed at once, as a multiple of maxPendingWriteBytes (the answers to one received chunk can overshoot the pause threshold; this bounds the overshoot). */
const HARD_QUEUE_FACTOR = 4

export class Session {
  readonly peer: string
  /** Set when the remote said GOAWAY: it takes no new calls here. */
  draining = false
  /** When the session was made, and when bytes last came from the remote (undefined: none yet); performance.now() ms. */
  readonly openedAt = performance.now()
  lastReadAt: number | undefined
  /** Date.now() when the chunk being read arrived: the receipt time of the requests in it (one clock read per chunk). */
  private chunkAt = 0
  private readonly opts: SessionOptions
  private readonly stream: ByteStream
  private readonly decoder: FrameDecoder
  private readonly writer: FrameWriter
  private readonly pending = new CallTable<PendingCall>()
  private readonly serving = new Map<number, ServerCall>()
  /** Stream state of the served calls that stream (input, answer or both). */
  private readonly served = new Map<number, ServedStream>()
  private readonly pongs = new Map<number, (rtt: number) => void>()
  /** Where the calls from the remote run: the context the session was made in (as its read loop's). */
  private readonly scope = callScope()
  /** The deadlines of this side's calls, on one timer. */
  private readonly deadlines = new DeadlineQueue<PendingCall>(call => {
    this.giveUp(call, deadlineError({ service: call.service, method: call.method, peer: this.peer }))
  })
  private nextId = 1
  private nextNonce = 1
  /** This side said GOAWAY: no new calls either way, but answers still flow. */
  private goneAway = false
  /** The writer flushes what is queued and then ends the stream (after a protocol violation). */
  private ending = false
  private closed = false
  private closeError: Error | undefined
  private sweeper: ReturnType<typeof setInterval> | undefined
  private idleWaiters: Array<() => void> = []
  private readonly closeWaiters: Array<() => void> = []

  constructor (stream: ByteStream, options: SessionOptions) {
    this.stream = stream
    this.opts = options
    this.peer = options.peer
    this.decoder = new FrameDecoder({ maxFrameSize: options.maxFrameSize })
    this.writer = new FrameWriter({ maxQueuedBytes: options.maxPendingWriteBytes, budget: options.writeBudget, encode: frameChunk })
    this.stream.sink(this.writer.source()).then(
      () => { this.afterWrite() },
      (err: Error) => { this.close(err) }
    )
    void this.readLoop()
  }

  /** Whether new calls may be sent on this session. */
  get isOpen (): boolean {
    return !this.goneAway && !this.ending && !this.closed
  }

  /** Calls this side sent (or is waiting to send) that are not answered yet. */
  get pendingCalls (): number {
    return this.pending.size
  }

  /** Calls from the remote that this side is executing. */
  get servingCalls (): number {
    return this.serving.size
  }

  /** Bytes queued for the remote that the stream has not taken yet. */
  get queuedBytes (): number {
    return this.writer.queuedBytes
  }

  // ---------------------------------------------------------------- client side

  request (service: string, method: string, args: unknown[], options: RequestOptionsOut = {}): Promise<unknown> {
    return this.start(service, method, args, options.timeoutMs, options.signal, options.opts, options.meta, options.onTrailers, options.input, options.onFail, undefined)
  }

  /**
   * `request` with its options as arguments (the caller's path: no options object per call). With a `sink`, a
   * request that is sent (or waits for room) answers undefined and its outcome goes to the sink; one refused at
   * once (closed session, cancelled, arguments that cannot be encoded) still answers a rejected promise.
   */
  send (service: string, method: string, args: unknown[], timeoutMs: number | undefined, signal: AbortSignal | undefined, opts: RequestOptions | undefined,
    meta: Metadata | undefined, onTrailers: ((trailers: Metadata) => void) | undefined, input: AsyncIterable<unknown> | undefined, onFail: (() => void) | undefined,
    sink?: CallSink): Promise<unknown> | undefined {
    return this.start(service, method, args, timeoutMs, signal, opts, meta, onTrailers, input, onFail, undefined, 0, undefined, sink)
  }

  /** A call whose answer is read as a stream of items (server streaming, bidi). */
  openStream (service: string, method: string, args: unknown[], options: RequestOptionsOut = {}, window = STREAM_WINDOW_ITEMS): OpenStream {
    let call: PendingCall | undefined
    const items = new InboundItems(window,
      n => { if (call !== undefined && this.pending.get(call.id) === call && !this.closed) this.writer.push(encodeFrame({ type: FrameType.ITEM_CREDIT, id: call.id, n })) },
      () => { if (call !== undefined) this.giveUp(call, cancelled(service, method, this.peer, call.ticket === undefined, 'the consumer left the stream')) })
    const done = this.start(service, method, args, options.timeoutMs, options.signal, options.opts, options.meta, options.onTrailers, options.input, options.onFail, items, window, c => { call = c })
    done.catch((err: unknown) => { items.fail(err) })
    return { items, done }
  }

  private start (service: string, method: string, args: unknown[], timeoutMs: number | undefined, signal: AbortSignal | undefined, requestOpts: RequestOptions | undefined,
    meta: Metadata | undefined, onTrailers: ((trailers: Metadata) => void) | undefined, input: AsyncIterable<unknown> | undefined, onFail: (() => void) | undefined,
    items: InboundItems | undefined, window?: number, made?: (call: PendingCall) => void): Promise<unknown>
  private start (service: string, method: string, args: unknown[], timeoutMs: number | undefined, signal: AbortSignal | undefined, requestOpts: RequestOptions | undefined,
    meta: Metadata | undefined, onTrailers: ((trailers: Metadata) => void) | undefined, input: AsyncIterable<unknown> | undefined, onFail: (() => void) | undefined,
    items: InboundItems | undefined, window: number, made: ((call: PendingCall) => void) | undefined, sink: CallSink | undefined): Promise<unknown> | undefined
  private start (service: string, method: string, args: unknown[], timeoutMs: number | undefined, signal: AbortSignal | undefined, requestOpts: RequestOptions | undefined,
    meta: Metadata | undefined, onTrailers: ((trailers: Metadata) => void) | undefined, input: AsyncIterable<unknown> | undefined, onFail: (() => void) | undefined,
    items: InboundItems | undefined, window = 0, made?: (call: PendingCall) => void, sink?: CallSink): Promise<unknown> | undefined {
    if (!this.isOpen || this.draining) {
      onFail?.()
      return Promise.reject(new RpcError('UNAVAILABLE', `${service}.${method}: connection to ${this.peer} is ${this.draining ? 'draining' : 'closed'}`, {
        peer: this.peer, service, method, mayHaveExecuted: false
      }))
    }
    if (signal?.aborted === true) {
      onFail?.()
      return Promise.reject(cancelled(service, method, this.peer, false, signal.reason))
    }
    const id = this.nextId
    this.nextId = id >= MAX_REQUEST_ID ? 1 : id + 1
    const opts = items === undefined && input === undefined
      ? requestOpts
      : { ...requestOpts, ...(items !== undefined ? { stream: window } : {}), ...(input !== undefined ? { input: STREAM_WINDOW_ITEMS } : {}) }
    const wireTimeoutMs = timeoutMs === undefined ? 0 : Math.min(Math.max(1, Math.ceil(timeoutMs)), MAX_WIRE_TIMEOUT_MS)
    let body: Uint8Array
    try {
      body = encodeRequest(id, service, method, args, wireTimeoutMs, this.opts.clock.tick(batchWallNow()), opts, meta)
    } catch (err) {
      onFail?.()
      return Promise.reject(new RpcError('INVALID_ARGUMENT', `${service}.${method}: arguments cannot be encoded: ${(err as Error).message}`, {
        service, method, mayHaveExecuted: false, cause: err
      }))
    }
    if (body.byteLength > this.opts.maxFrameSize) {
      onFail?.()
      return Promise.reject(new RpcError('INVALID_ARGUMENT', `${service}.${method}: request of ${body.byteLength} bytes exceeds the frame limit of ${this.opts.maxFrameSize} bytes`, {
        service, method, mayHaveExecuted: false
      }))
    }
    let promise: Promise<unknown> | undefined
    let resolve: (value: unknown) => void = ignore
    let reject: (err: RpcError) => void = ignore
    if (sink === undefined) ({ promise, resolve, reject } = Promise.withResolvers<unknown>())
    const call: PendingCall = { id, service, method, sink, resolve, reject, signal, onAbort: undefined, onTrailers, ticket: undefined, items, inputCredit: undefined, onFail, deadlineAt: 0, deadlineSlot: -1 }
    made?.(call)
    if (timeoutMs !== undefined) this.deadlines.add(call, timeoutMs, batchMonoNow())
    if (signal !== undefined) {
      call.onAbort = () => { this.giveUp(call, cancelled(service, method, this.peer, call.ticket === undefined, signal.reason)) }
      signal.addEventListener('abort', call.onAbort, { once: true })
    }
    this.pending.add(call)
    if (input !== undefined) call.inputCredit = new Credit(STREAM_WINDOW_ITEMS)
    if (this.writer.hasRoom(body.byteLength)) {
      this.writer.push(body, this.pending.size + this.serving.size > 1)
      if (input !== undefined) this.sendInput(call, input)
    } else {
      call.ticket = {
        body,
        admitted: () => {
          call.ticket = undefined
          if (input !== undefined) this.sendInput(call, input)
        }
      }
      this.writer.wait(call.ticket)
    }
    return promise
  }

  /** Sends the call's input items within the server's credit, then INPUT_END; a failing input cancels the call. */
  private sendInput (call: PendingCall, input: AsyncIterable<unknown>): void {
    const credit = call.inputCredit as Credit
    const live = (): boolean => this.pending.get(call.id) === call && !this.closed && !this.ending
    let iterator: AsyncIterator<unknown>
    try {
      iterator = input[Symbol.asyncIterator]()
    } catch (err) {
      this.giveUp(call, new RpcError('INVALID_ARGUMENT', `${call.service}.${call.method}: input is not iterable: ${(err as Error).message}`, { peer: this.peer, service: call.service, method: call.method, mayHaveExecuted: true, cause: err }))
      return
    }
    pumpItems(iterator, credit, value => {
      let body: Uint8Array
      try {
        body = encodeFrame({ type: FrameType.INPUT, id: call.id, value })
      } catch (err) {
        throw new RpcError('INVALID_ARGUMENT', `${call.service}.${call.method}: an input item cannot be encoded: ${(err as Error).message}`, { mayHaveExecuted: true, cause: err })
      }
      this.writer.push(body, true)
    }, () => !live()).then(
      end => { if (end === 'done' && live()) this.writer.push(encodeFrame({ type: FrameType.INPUT_END, id: call.id }), true) },
      (err: unknown) => {
        const e = err instanceof RpcError ? err : new RpcError('CANCELLED', `${call.service}.${call.method}: the input failed: ${(err as Error)?.message ?? String(err)}`, { mayHaveExecuted: true, cause: err })
        this.giveUp(call, e.with({ peer: this.peer, service: call.service, method: call.method }))
      }
    )
  }

  /** Round-trip time of a PING, ms; rejects with DEADLINE_EXCEEDED after `timeoutMs`. */
  ping (timeoutMs: number): Promise<number> {
    if (this.ending || this.closed) return Promise.reject(new RpcError('UNAVAILABLE', `connection to ${this.peer} is closed`, { peer: this.peer }))
    const nonce = this.nextNonce++
    const start = performance.now()
    const { promise, resolve, reject } = Promise.withResolvers<number>()
    const timer = setTimeout(() => {
      this.pongs.delete(nonce)
      reject(new RpcError('DEADLINE_EXCEEDED', `ping to ${this.peer}: no answer within ${timeoutMs} ms`, { peer: this.peer }))
    }, timeoutMs)
    this.pongs.set(nonce, () => {
      clearTimeout(timer)
      resolve(performance.now() - start)
    })
    this.writer.push(encodeFrame({ type: FrameType.PING, nonce }))
    return promise
  }

  /** Stops a call that this side gave up on: rejects it and, if its request was sent, tells the remote to abort its handler. */
  private giveUp (call: PendingCall, err: RpcError): void {
    if (this.pending.get(call.id) !== call) return
    const unsent = call.ticket !== undefined && this.writer.withdraw(call.ticket)
    this.settle(call)
    const e = unsent ? err.with({ mayHaveExecuted: false }) : err
    call.items?.fail(e)
    call.onFail?.()
    failCall(call, e)
    if (!unsent && !this.ending && !this.closed) this.writer.push(encodeFrame({ type: FrameType.CANCEL, id: call.id }))
  }

  private settle (call: PendingCall): void {
    this.pending.delete(call.id)
    call.inputCredit?.close()
    this.deadlines.remove(call)
    if (call.onAbort !== undefined) call.signal?.removeEventListener('abort', call.onAbort)
    if (this.pending.size === 0 && this.serving.size === 0) this.notifyIdle()
  }

  // ---------------------------------------------------------------- reading

  private async readLoop (): Promise<void> {
    try {
      for await (const chunk of this.stream.source) {
        if (this.closed) break
        this.lastReadAt = performance.now()
        if (this.writer.queuedBytes > this.opts.maxPendingWriteBytes && !(await this.writerCaughtUp())) {
          if (!this.closed) this.close(new RpcError('UNAVAILABLE', `${this.peer} did not read ${this.writer.queuedBytes} queued bytes in time`, { peer: this.peer, mayHaveExecuted: true }))
          break
        }
        this.chunkAt = Date.now()
        if (chunk instanceof Uint8Array) {
          if (!this.onChunk(chunk)) break
        } else {
          let ok = true
          for (const part of chunk) {
            if (!this.onChunk(part)) { ok = false; break }
          }
          if (!ok) break
        }
      }
      // after a protocol violation the writer still flushes the PROTOCOL frame, then resets the stream
      if (!this.ending) {
        // frames of the last turn may wait for a deferred wake: let the writer take them before the stream closes
        this.writer.end()
        await new Promise(resolve => setImmediate(resolve))
        this.close(undefined, true)
      }
    } catch (err) {
      this.close(err as Error)
    }
  }

  /** Handles received bytes; false when the remote broke the protocol and the session is closing. */
  private onChunk (chunk: Uint8Array): boolean {
    let bodies: Uint8Array[]
    try {
      bodies = this.decoder.push(chunk)
    } catch (err) {
      this.protocolViolation((err as Error).message)
      return false
    }
    for (const body of bodies) {
      if (this.writer.queuedBytes > HARD_QUEUE_FACTOR * this.opts.maxPendingWriteBytes) {
        this.close(new RpcError('UNAVAILABLE', `${this.peer} does not read: ${this.writer.queuedBytes} bytes queued for it`, { peer: this.peer, mayHaveExecuted: true }))
        return false
      }
      let frame: Decoded
      try {
        frame = decodeFrame(body, this.opts)
      } catch (err) {
        this.protocolViolation((err as Error).message)
        return false
      }
      if (!this.onFrame(frame)) return false
    }
    return true
  }

  private onFrame (f: Decoded): boolean {
    switch (f.type) {
      case FrameType.REQUEST: return this.onRequest(f)
      case FrameType.RESPONSE: this.onResponse(f); return true
      case FrameType.ERROR: return this.onError(f)
      case FrameType.CANCEL: this.onCancel(f.id); return true
      case FrameType.PING:
        if (!this.ending && !this.closed) this.writer.push(encodeFrame({ type: FrameType.PONG, nonce: f.nonce }))
        return true
      case FrameType.PONG: {
        const done = this.pongs.get(f.nonce)
        if (done !== undefined) {
          this.pongs.delete(f.nonce)
          done(0)
        }
        return true
      }
      case FrameType.GOAWAY:
        this.draining = true
        return true
      case FrameType.ITEM: return this.onItem(f)
      case FrameType.ITEM_CREDIT:
        this.served.get(f.id)?.itemCredit?.add(f.n)
        return true
      case FrameType.INPUT: return this.onInput(f)
      case FrameType.INPUT_END:
        this.served.get(f.id)?.input?.end()
        return true
      case FrameType.INPUT_CREDIT: this.onInputCredit(f); return true
      case 'invalid-request':
        if (this.serving.has(f.id)) {
          this.protocolViolation(`request id ${f.id} is already in use`)
          return false
        }
        this.sendError(f.id, new RpcError('INVALID_ARGUMENT', `invalid request: ${f.reason}`, { mayHaveExecuted: false }), undefined)
        return true
      case 'unknown':
        // unknown frame types are ignored, so later versions may add frames
        return true
    }
  }

  private receiveTimestamp (ts: HlcTimestamp): HlcTimestamp {
    return ts.wall > 0 ? this.opts.clock.receive(ts, this.chunkAt) : this.opts.clock.tick(this.chunkAt)
  }

  // ---------------------------------------------------------------- server side

  private onRequest (f: RequestFrame): boolean {
    const { id, service, method } = f
    if (this.serving.has(id)) {
      this.protocolViolation(`request id ${id} is already in use`)
      return false
    }
    if (this.goneAway || this.ending) {
      this.sendError(id, new RpcError('UNAVAILABLE', `${service}.${method}: peer is shutting down`, { mayHaveExecuted: false }), undefined)
      return true
    }
    if (this.serving.size >= this.opts.maxInflight) {
      this.sendError(id, new RpcError('OVERLOADED', `${service}.${method}: ${this.serving.size} calls from this peer are in flight (limit ${this.opts.maxInflight})`, { mayHaveExecuted: false }), undefined)
      return true
    }
    const ts = this.receiveTimestamp(f)
    const deadline = f.timeoutMs > 0 ? this.chunkAt + f.timeoutMs : undefined
    const call = new ServerCall(this.peer, service, method, deadline, ts, f.opts, f.meta, this.scope)
    if (deadline !== undefined) this.startSweeper()
    const streamed = f.opts?.stream !== undefined || f.opts?.input !== undefined
    // a unary call is listed as being served once its handler turns out to be asynchronous: one that answers at
    // once is over before any other frame is read (no cancel, deadline sweep or second use of its id can meet it)
    if (streamed) {
      this.serving.set(id, call)
      const st: ServedStream = { call, itemCredit: undefined, input: undefined }
      if (f.opts?.input !== undefined) {
        st.input = new InboundItems(f.opts.input, n => {
          if (this.serving.get(id) === call && !this.closed) this.writer.push(encodeFrame({ type: FrameType.INPUT_CREDIT, id, n }), true)
        }, () => {})
        call.input = st.input
      }
      this.served.set(id, st)
    }
    let out: unknown
    try {
      out = this.opts.dispatch(call, f.args)
    } catch (err) {
      this.finish(id, call, err, true, !streamed)
      return true
    }
    if (f.opts?.stream !== undefined) {
      this.streamAnswer(id, call, out, f.opts.stream)
    } else if (out !== null && typeof out === 'object' && typeof (out as PromiseLike<unknown>).then === 'function') {
      const pending = out as PromiseLike<unknown>
      if (!streamed) this.serving.set(id, call)
      pending.then(
        value => { this.finishUnary(id, call, value, false) },
        err => { this.finish(id, call, err, true, false) }
      )
    } else {
      this.finishUnary(id, call, out, !streamed)
    }
    return true
  }

  /**
   * A unary answer; a handler that streams its answer needs a caller that reads a stream. `now`: the call
   * answered at once and was never listed as being served.
   */
  private finishUnary (id: number, call: ServerCall, value: unknown, now: boolean): void {
    if (isAsyncIterable(value) && typeof (value as unknown as AsyncIterator<unknown>).next === 'function') {
      void (value as unknown as AsyncIterator<unknown>).return?.(undefined)?.catch(() => {})
      this.finish(id, call, new RpcError('INVALID_ARGUMENT', `${call.service}.${call.method} streams its answer: read it with node.stream()`, { mayHaveExecuted: true }), true, now)
      return
    }
    this.finish(id, call, value, false, now)
  }

  /** Sends the handler's items within the caller's credit, then the end (RESPONSE) or the error. */
  private streamAnswer (id: number, call: ServerCall, out: unknown, window: number): void {
    const st = this.served.get(id) as ServedStream
    const credit = st.itemCredit = new Credit(window)
    const stopped = (): boolean => this.serving.get(id) !== call || this.closed || call.aborted
    Promise.resolve(out).then(async value => {
      if (!isAsyncIterable(value)) {
        throw new RpcError('INVALID_ARGUMENT', `${call.service}.${call.method} does not stream its answer: call it with node.call()`, { mayHaveExecuted: true })
      }
      const iterator = value[Symbol.asyncIterator]()
      // the handler's body runs as the iterator is advanced: in the call's context, so callContext() works there
      return await runInContext(call, pumpItems, undefined, [iterator, credit, (item: unknown) => {
        let body: Uint8Array
        try {
          body = encodeFrame({ type: FrameType.ITEM, id, value: item })
        } catch (err) {
          throw new RpcError('INTERNAL', `${call.service}.${call.method}: an item cannot be encoded: ${(err as Error).message}`, { mayHaveExecuted: true })
        }
        if (body.byteLength > this.opts.maxFrameSize) throw new RpcError('INTERNAL', `${call.service}.${call.method}: an item of ${body.byteLength} bytes exceeds the frame limit of ${this.opts.maxFrameSize} bytes`, { mayHaveExecuted: true })
        this.writer.push(body, true)
      }, stopped])
    }).then(
      end => { if (end === 'done') this.finish(id, call, undefined, false); else call.finish() },
      err => { this.finish(id, call, err, true) }
    )
  }

  /** An item of the answer to one of our calls. */
  private onItem (f: ItemFrame): boolean {
    const call = this.pending.get(f.id)
    if (call === undefined || call.ticket !== undefined) return true // gave up on it already
    if (call.items === undefined) {
      this.protocolViolation(`item for call ${f.id}, which does not stream`)
      return false
    }
    if (!call.items.push(f.value)) {
      this.protocolViolation(`item for call ${f.id} beyond the credit granted`)
      return false
    }
    return true
  }

  /** An input item of a call we serve. */
  private onInput (f: ItemFrame): boolean {
    const st = this.served.get(f.id)
    if (st === undefined || st.input === undefined) {
      if (this.serving.has(f.id)) {
        this.protocolViolation(`input for call ${f.id}, which takes none`)
        return false
      }
      return true // the call has ended here: late input is dropped
    }
    if (!st.input.push(f.value)) {
      this.protocolViolation(`input for call ${f.id} beyond the credit granted`)
      return false
    }
    return true
  }

  private onInputCredit (f: CreditFrame): void {
    const call = this.pending.get(f.id)
    call?.inputCredit?.add(f.n)
  }

  /** Sends a call's answer. `now`: the call answered at once and was never listed as being served. */
  private finish (id: number, call: ServerCall, value: unknown, failed: boolean, now = false): void {
    call.finish()
    call.settled = true
    if (!now) {
      if (this.serving.get(id) !== call) return // cancelled, timed out or closed: nobody waits for it
      this.serving.delete(id)
      if (this.served.size > 0) this.endServed(id, undefined)
    }
    if (this.serving.size === 0 && this.pending.size === 0) this.notifyIdle()
    if (this.closed) return
    if (failed) {
      this.sendError(id, value, call.trailers)
      return
    }
    let body: Uint8Array
    try {
      // an answer given at once is sent while its chunk is read: the chunk's physical time serves (no clock read)
      body = encodeResponse(id, value, now ? this.opts.clock.tick(this.chunkAt) : this.opts.clock.tick(), call.trailers)
    } catch (err) {
      this.sendError(id, new RpcError('INTERNAL', `${call.service}.${call.method}: result cannot be encoded: ${(err as Error).message}`), call.trailers)
      return
    }
    if (body.byteLength > this.opts.maxFrameSize) {
      this.sendError(id, new RpcError('INTERNAL', `${call.service}.${call.method}: result of ${body.byteLength} bytes exceeds the frame limit of ${this.opts.maxFrameSize} bytes`), call.trailers)
      return
    }
    this.writer.push(body, this.pending.size + this.serving.size > 0)
  }

  private sendError (id: number, err: unknown, trailers: Metadata | undefined): void {
    const f: ErrorFrame = errorFrame(id, err, this.opts.clock.tick(), trailers)
    let body: Uint8Array
    try {
      body = encodeFrame(f)
    } catch {
      body = encodeFrame({ ...f, data: undefined })
    }
    if (body.byteLength > this.opts.maxFrameSize) {
      body = encodeFrame({ ...f, message: f.message.slice(0, 1024), data: undefined, trailers: undefined })
    }
    this.writer.push(body, this.pending.size + this.serving.size > 0)
  }

  private onCancel (id: number): void {
    const call = this.serving.get(id)
    if (call === undefined) return
    this.serving.delete(id)
    const err = new RpcError('CANCELLED', `${call.service}.${call.method}: cancelled by the caller`, { peer: this.peer, service: call.service, method: call.method })
    this.endServed(id, err)
    call.abort(err)
    if (this.serving.size === 0 && this.pending.size === 0) this.notifyIdle()
  }

  private startSweeper (): void {
    if (this.sweeper !== undefined) return
    this.sweeper = setInterval(() => {
      const now = Date.now()
      for (const [id, call] of this.serving) {
        if (call.deadline !== undefined && call.deadline <= now) {
          this.serving.delete(id)
          const err = deadlineError(call)
          this.endServed(id, err)
          call.abort(err)
        }
      }
      if (this.serving.size === 0 && this.pending.size === 0) this.notifyIdle()
    }, DEADLINE_SWEEP_MS)
    this.sweeper.unref()
  }

  // ---------------------------------------------------------------- answers to our requests

  private onResponse (f: ResponseFrame): void {
    const call = this.pending.get(f.id)
    if (call === undefined || call.ticket !== undefined) return // we gave up on it already (or never sent it)
    this.receiveTimestamp(f)
    this.settle(call)
    if (f.trailers !== undefined) this.tellTrailers(call, f.trailers)
    call.items?.end()
    answerCall(call, f.result)
  }

  private onError (f: ErrorFrame): boolean {
    if (f.id === 0) {
      // about the whole stream: the remote found our frames malformed and resets the stream
      this.close(new RpcError('PROTOCOL', `${this.peer} reported a protocol error: ${f.message}`, { peer: this.peer }))
      return false
    }
    const call = this.pending.get(f.id)
    if (call === undefined || call.ticket !== undefined) return true
    this.receiveTimestamp(f)
    this.settle(call)
    if (f.trailers !== undefined) this.tellTrailers(call, f.trailers)
    const err = new RpcError(f.code, f.message, {
      peer: this.peer,
      service: call.service,
      method: call.method,
      mayHaveExecuted: f.mayHaveExecuted,
      retryable: f.retryable,
      remoteName: f.name !== 'RpcError' ? f.name : undefined,
      data: f.data,
      trailers: f.trailers
    })
    call.items?.fail(err)
    call.onFail?.()
    failCall(call, err)
    return true
  }

  private tellTrailers (call: PendingCall, trailers: Metadata): void {
    if (call.onTrailers === undefined) return
    try {
      call.onTrailers(trailers)
    } catch (err) {
      this.opts.log?.('onTrailers of %s.%s threw: %s', call.service, call.method, (err as Error).message)
    }
  }

  // ---------------------------------------------------------------- writing

  /** The writer has flushed everything and ended (only after close was asked for). */
  private afterWrite (): void {
    if (this.closeError !== undefined) {
      this.stream.abort?.(this.closeError)
    } else {
      this.stream.close?.().catch(() => {})
    }
    this.close(this.closeError)
  }

  /** Resolves true once the writer has taken what is queued, false after writeStallTimeoutMs or on close. */
  private async writerCaughtUp (): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const stalled = new Promise<boolean>(resolve => {
      timer = setTimeout(() => { resolve(false) }, this.opts.writeStallTimeoutMs ?? WRITE_STALL_TIMEOUT_MS)
      timer.unref()
    })
    try {
      return await Promise.race([this.writer.taken(), stalled])
    } finally {
      clearTimeout(timer)
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /** Tells the remote that no new calls will be taken here (calls already received are still answered). */
  goAway (reason = 'shutting down'): void {
    if (!this.isOpen) return
    this.goneAway = true
    this.writer.push(encodeFrame({ type: FrameType.GOAWAY, reason }))
  }

  /**
   * Ends the session gracefully: what is queued is written, then the stream is closed. Calls still pending then
   * fail with UNAVAILABLE. Resolves once closed, or after `timeoutMs` by resetting the stream.
   */
  async end (timeoutMs = 2000): Promise<void> {
    if (this.closed) return
    this.ending = true
    this.failWaiting(new RpcError('UNAVAILABLE', `connection to ${this.peer} is closing`, { peer: this.peer, mayHaveExecuted: false }))
    this.writer.end()
    const done = new Promise<void>(resolve => { this.closeWaiters.push(resolve) })
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([done, new Promise<void>(resolve => { timer = setTimeout(resolve, timeoutMs) })])
    clearTimeout(timer)
    if (!this.closed) this.close(new Error('session end timed out'))
  }

  /** Resolves when no calls are pending or being served on this session. */
  idle (): Promise<void> {
    if ((this.pending.size === 0 && this.serving.size === 0) || this.closed) return Promise.resolve()
    return new Promise(resolve => { this.idleWaiters.push(resolve) })
  }

  private notifyIdle (): void {
    if (this.idleWaiters.length === 0) return // most calls: nobody waits (no array made per call)
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const w of waiters) w()
  }

  private protocolViolation (reason: string): void {
    this.opts.log?.('protocol violation by %s: %s', this.peer, reason)
    const err = new RpcError('PROTOCOL', `protocol violation by ${this.peer}: ${reason}`, { peer: this.peer })
    if (!this.closed) {
      const ts = this.opts.clock.tick()
      this.writer.push(encodeFrame({
        type: FrameType.ERROR, id: 0, code: 'PROTOCOL', message: reason, name: 'RpcError', data: undefined,
        mayHaveExecuted: false, retryable: false, wall: ts.wall, logical: ts.logical, trailers: undefined
      }))
    }
    this.closeError = err
    this.ending = true
    this.failAll(err)
    this.writer.end()
    // if the remote does not read, the writer cannot flush: reset the stream after a grace period anyway
    setTimeout(() => { this.close(err) }, 1000).unref()
  }

  /**
   * Closes the session. With an error, or when the remote ended it, pending calls fail at once with UNAVAILABLE
   * (or the given PROTOCOL error); calls being served are aborted.
   */
  close (err?: Error, remoteEnded = false): void {
    if (this.closed) return
    this.closed = true
    if (this.sweeper !== undefined) clearInterval(this.sweeper)
    const reason = err instanceof RpcError
      ? err
      : new RpcError('UNAVAILABLE', `connection to ${this.peer} ${remoteEnded ? 'was closed by the peer' : 'was lost'}${err !== undefined ? `: ${err.message}` : ''}`, { peer: this.peer, mayHaveExecuted: true, cause: err })
    this.failAll(reason)
    this.deadlines.clear()
    this.writer.close()
    if (err !== undefined) this.stream.abort?.(err)
    else this.stream.close?.().catch(() => {})
    this.notifyIdle()
    for (const w of this.closeWaiters.splice(0)) w()
    this.opts.onClose?.(this, err)
  }

  /** Drops the stream state of a served call: its input ends (with `err`, if any) and its producer's credit closes. */
  private endServed (id: number, err: RpcError | undefined): void {
    const st = this.served.get(id)
    if (st === undefined) return
    this.served.delete(id)
    st.itemCredit?.close()
    if (err !== undefined) st.input?.fail(err)
    else st.input?.end()
  }

  /** Fails the requests still waiting for room in the writer: they were never sent. */
  private failWaiting (reason: RpcError): void {
    for (const call of this.pending.values()) {
      if (call.ticket === undefined) continue
      this.writer.withdraw(call.ticket)
      this.settle(call)
      call.onFail?.()
      failCall(call, reason.with({ service: call.service, method: call.method, peer: this.peer, mayHaveExecuted: false }))
    }
  }

  private failAll (reason: RpcError): void {
    for (const call of this.pending.values()) {
      const unsent = call.ticket !== undefined
      if (unsent) this.writer.withdraw(call.ticket as Ticket)
      this.settle(call)
      call.onFail?.()
      failCall(call, reason.with({ service: call.service, method: call.method, peer: this.peer, mayHaveExecuted: !unsent }))
    }
    for (const [id, call] of [...this.serving]) {
      this.serving.delete(id)
      this.endServed(id, reason)
      call.abort(reason)
    }
    for (const call of this.pending.values()) call.items?.fail(reason)
    this.pongs.clear()
  }
}

/** Tells a call's caller its answer: through its sink, or its promise. */
function answerCall (call: PendingCall, value: unknown): void {
  if (call.sink !== undefined) call.sink.answer(value)
  else call.resolve(value)
}

/** Tells a call's caller its failure: through its sink, or its promise. */
function failCall (call: PendingCall, err: RpcError): void {
  if (call.sink !== undefined) call.sink.fail(err)
  else call.reject(err)
}

function ignore (): void {}

/** One chunk of frames: a slice of the encoder's pool when the bodies lie there in order, else a copy. */
function frameChunk (bodies: readonly Uint8Array[]): Uint8Array {
  return pooledRun(bodies) ?? encodeFrames(bodies)
}

/** The ERROR frame that answers call `id` with `err`: an RpcError keeps its code and flags; any other throw is REMOTE. */
export function errorFrame (id: number, err: unknown, ts: HlcTimestamp, trailers: Metadata | undefined): ErrorFrame {
  if (err instanceof RpcError) {
    return {
      type: FrameType.ERROR, id, code: err.code, message: err.message, name: err.remoteName ?? 'RpcError', data: err.data,
      mayHaveExecuted: err.mayHaveExecuted, retryable: err.retryable, wall: ts.wall, logical: ts.logical, trailers
    }
  }
  const d = describeThrown(err)
  return { type: FrameType.ERROR, id, code: 'REMOTE', message: d.message, name: d.name, data: d.data, mayHaveExecuted: true, retryable: false, wall: ts.wall, logical: ts.logical, trailers }
}

function cancelled (service: string, method: string, peer: string, sent: boolean, reason: unknown): RpcError {
  return new RpcError('CANCELLED', `${service}.${method}: cancelled`, { service, method, peer, mayHaveExecuted: sent, cause: reason })
}
