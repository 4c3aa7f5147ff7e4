/**
 * One RPC session: a long-lived duplex byte stream to one peer carrying many calls at once, in both directions.
 *
 * Either side may send requests; a RESPONSE or ERROR always answers a request that the receiver sent, so each
 * side has its own id space. Outgoing frames are queued and written as one chunk per turn of the event loop
 * (all frames queued by synchronous code before the writer wakes go out together).
 */
import { codec, exceedsDepth } from './codec.js'
import { ServerCall, deadlineError } from './context.js'
import { RpcError, describeThrown, isRpcErrorCode } from './errors.js'
import { FrameDecoder, encodeFrames } from './frame.js'
import { FrameType, MAX_REQUEST_ID, isRequestId } from './messages.js'
import { WRITE_STALL_TIMEOUT_MS } from './defaults.js'
import type { HybridClock, HlcTimestamp } from './hlc.js'
import type { RequestMeta } from './messages.js'

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
  maxPendingWriteBytes: number
}

export interface SessionOptions extends SessionLimits {
  /** How long reading may stay paused because the remote does not read, before the session is closed, ms. @default WRITE_STALL_TIMEOUT_MS (30 s) */
  writeStallTimeoutMs?: number
  /** Peer id of the remote end. */
  peer: string
  clock: HybridClock
  dispatch: Dispatch
  /** Called once, when the session has closed for any reason. */
  onClose?: (session: Session, err?: Error) => void
  log?: (msg: string, ...args: unknown[]) => void
}

export interface RequestOptions {
  /** Relative deadline sent to the remote, ms; 0 or undefined for none. */
  timeoutMs?: number
  signal?: AbortSignal
  meta?: RequestMeta
}

interface PendingCall {
  id: number
  service: string
  method: string
  resolve: (value: unknown) => void
  reject: (err: RpcError) => void
  timer: ReturnType<typeof setTimeout> | undefined
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
}

/** How often calls served past their deadline are swept, when their handler never read its signal, ms. */
const DEADLINE_SWEEP_MS = 1000

/*
 * Reading pauses while the remote leaves more than maxPendingWriteBytes unread (TCP's own backpressure, one level
 * up), so that a peer that sends calls and never reads the answers cannot make this side queue answers without
 * bound; after WRITE_STALL_TIMEOUT_MS of that the session is closed.
 */

/** Queued bytes past which the session is closed at once, as a multiple of maxPendingWriteBytes (the answers to one received chunk can overshoot the pause threshold; this bounds the overshoot). */
const HARD_QUEUE_FACTOR = 4

export class Session {
  readonly peer: string
  /** Set when the remote said GOAWAY: it takes no new calls here. */
  draining = false
  /** When the session was made, and when bytes last came from the remote (undefined: none yet); performance.now() ms. */
  readonly openedAt = performance.now()
  lastReadAt: number | undefined
  private readonly opts: SessionOptions
  private readonly stream: ByteStream
  private readonly decoder: FrameDecoder
  private readonly pending = new Map<number, PendingCall>()
  private readonly serving = new Map<number, ServerCall>()
  private readonly pongs = new Map<number, (rtt: number) => void>()
  private nextId = 1
  private nextNonce = 1
  private queue: Uint8Array[] = []
  private queuedBytes = 0
  private wake: (() => void) | undefined
  /** This side said GOAWAY: no new calls either way, but answers still flow. */
  private goneAway = false
  /** The writer flushes what is queued and then ends the stream (after a protocol violation). */
  private ending = false
  /** A deferred wake of the writer, so that the frames of one event-loop turn leave in one write. */
  private wakeTimer: ReturnType<typeof setImmediate> | undefined
  private closed = false
  private closeError: Error | undefined
  private sweeper: ReturnType<typeof setInterval> | undefined
  private idleWaiters: Array<() => void> = []
  private drainWaiters: Array<(drained: boolean) => void> = []
  private readonly closeWaiters: Array<() => void> = []

  constructor (stream: ByteStream, options: SessionOptions) {
    this.stream = stream
    this.opts = options
    this.peer = options.peer
    this.decoder = new FrameDecoder({ maxFrameSize: options.maxFrameSize })
    this.stream.sink(this.outgoing()).then(
      () => { this.afterWrite() },
      (err: Error) => { this.close(err) }
    )
    void this.readLoop()
  }

  /** Whether new calls may be sent on this session. */
  get isOpen (): boolean {
    return !this.goneAway && !this.ending && !this.closed
  }

  /** Calls this side sent that are not answered yet. */
  get pendingCalls (): number {
    return this.pending.size
  }

  /** Calls from the remote that this side is executing. */
  get servingCalls (): number {
    return this.serving.size
  }

  // ---------------------------------------------------------------- client side

  request (service: string, method: string, args: unknown[], options: RequestOptions = {}): Promise<unknown> {
    if (!this.isOpen || this.draining) {
      return Promise.reject(new RpcError('UNAVAILABLE', `${service}.${method}: connection to ${this.peer} is ${this.draining ? 'draining' : 'closed'}`, {
        peer: this.peer, service, method, mayHaveExecuted: false
      }))
    }
    if (this.queuedBytes > this.opts.maxPendingWriteBytes) {
      return Promise.reject(new RpcError('OVERLOADED', `${service}.${method}: ${this.queuedBytes} bytes wait to be written to ${this.peer}`, {
        peer: this.peer, service, method, mayHaveExecuted: false
      }))
    }
    const signal = options.signal
    if (signal?.aborted === true) {
      return Promise.reject(cancelled(service, method, this.peer, false, signal.reason))
    }
    const id = this.nextId
    this.nextId = id >= MAX_REQUEST_ID ? 1 : id + 1
    const timeoutMs = options.timeoutMs ?? 0
    const ts = this.opts.clock.tick()
    let body: Uint8Array
    try {
      body = options.meta === undefined
        ? codec.encode([FrameType.REQUEST, id, service, method, args, timeoutMs, ts.wall, ts.logical])
        : codec.encode([FrameType.REQUEST, id, service, method, args, timeoutMs, ts.wall, ts.logical, options.meta])
    } catch (err) {
      return Promise.reject(new RpcError('INVALID_ARGUMENT', `${service}.${method}: arguments cannot be encoded: ${(err as Error).message}`, {
        service, method, mayHaveExecuted: false, cause: err
      }))
    }
    if (body.byteLength > this.opts.maxFrameSize) {
      return Promise.reject(new RpcError('INVALID_ARGUMENT', `${service}.${method}: request of ${body.byteLength} bytes exceeds the frame limit of ${this.opts.maxFrameSize} bytes`, {
        service, method, mayHaveExecuted: false
      }))
    }
    const { promise, resolve, reject } = Promise.withResolvers<unknown>()
    const call: PendingCall = { id, service, method, resolve, reject, timer: undefined, signal, onAbort: undefined }
    if (timeoutMs > 0) {
      call.timer = setTimeout(() => { this.giveUp(call, deadlineError({ service, method, peer: this.peer })) }, timeoutMs)
    }
    if (signal !== undefined) {
      call.onAbort = () => { this.giveUp(call, cancelled(service, method, this.peer, true, signal.reason)) }
      signal.addEventListener('abort', call.onAbort, { once: true })
    }
    this.pending.set(id, call)
    this.enqueue(body)
    return promise
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
    this.enqueue(codec.encode([FrameType.PING, nonce]))
    return promise
  }

  /** Stops a call that this side gave up on: rejects it and tells the remote to abort its handler. */
  private giveUp (call: PendingCall, err: RpcError): void {
    if (this.pending.get(call.id) !== call) return
    this.settle(call)
    call.reject(err)
    if (!this.ending && !this.closed) this.enqueue(codec.encode([FrameType.CANCEL, call.id]))
  }

  private settle (call: PendingCall): void {
    this.pending.delete(call.id)
    if (call.timer !== undefined) clearTimeout(call.timer)
    if (call.onAbort !== undefined) call.signal?.removeEventListener('abort', call.onAbort)
    if (this.pending.size === 0 && this.serving.size === 0) this.notifyIdle()
  }

  // ---------------------------------------------------------------- reading

  private async readLoop (): Promise<void> {
    try {
      for await (const chunk of this.stream.source) {
        if (this.closed) break
        this.lastReadAt = performance.now()
        if (this.queuedBytes > this.opts.maxPendingWriteBytes && !(await this.writerCaughtUp())) {
          if (!this.closed) this.close(new RpcError('UNAVAILABLE', `${this.peer} did not read ${this.queuedBytes} queued bytes in time`, { peer: this.peer, mayHaveExecuted: true }))
          break
        }
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
      // frames of the last turn may wait for a deferred wake: let the writer take them before the stream closes
      if (this.wakeTimer !== undefined) {
        clearImmediate(this.wakeTimer)
        this.wakeTimer = undefined
        this.wakeWriter()
        await new Promise(resolve => setImmediate(resolve))
      }
      // after a protocol violation the writer still flushes the PROTOCOL frame, then resets the stream
      if (!this.ending) this.close(undefined, true)
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
      if (this.queuedBytes > HARD_QUEUE_FACTOR * this.opts.maxPendingWriteBytes) {
        this.close(new RpcError('UNAVAILABLE', `${this.peer} does not read: ${this.queuedBytes} bytes queued for it`, { peer: this.peer, mayHaveExecuted: true }))
        return false
      }
      let frame: unknown
      try {
        frame = codec.decode(body)
      } catch (err) {
        this.protocolViolation(`undecodable frame: ${(err as Error).message}`)
        return false
      }
      if (body.byteLength > this.opts.maxDepth && exceedsDepth(frame, this.opts.maxDepth)) {
        this.protocolViolation(`frame nests deeper than ${this.opts.maxDepth} levels`)
        return false
      }
      if (!Array.isArray(frame) || typeof frame[0] !== 'number') {
        this.protocolViolation('frame is not an array starting with its type')
        return false
      }
      if (!this.onFrame(frame)) return false
    }
    return true
  }

  private onFrame (f: unknown[]): boolean {
    switch (f[0]) {
      case FrameType.REQUEST: return this.onRequest(f)
      case FrameType.RESPONSE: return this.onResponse(f)
      case FrameType.ERROR: return this.onError(f)
      case FrameType.CANCEL:
        if (isRequestId(f[1])) this.onCancel(f[1])
        return true
      case FrameType.PING:
        if (!this.ending && !this.closed) this.enqueue(codec.encode([FrameType.PONG, f[1]]))
        return true
      case FrameType.PONG: {
        const done = this.pongs.get(f[1] as number)
        if (done !== undefined) {
          this.pongs.delete(f[1] as number)
          done(0)
        }
        return true
      }
      case FrameType.GOAWAY:
        this.draining = true
        return true
      default:
        // unknown frame types are ignored, so later versions may add frames
        return true
    }
  }

  private receiveTimestamp (wall: unknown, logical: unknown): HlcTimestamp {
    if (typeof wall === 'number' && typeof logical === 'number') return this.opts.clock.receive({ wall, logical })
    return this.opts.clock.tick()
  }

  // ---------------------------------------------------------------- server side

  private onRequest (f: unknown[]): boolean {
    const [, id, service, method, args, timeoutMs, wall, logical, meta] = f
    if (!isRequestId(id) || typeof service !== 'string' || typeof method !== 'string' || !Array.isArray(args) ||
        typeof timeoutMs !== 'number' || !(timeoutMs >= 0) || (meta !== undefined && (typeof meta !== 'object' || meta === null))) {
      this.protocolViolation('malformed request frame')
      return false
    }
    if (this.serving.has(id)) {
      this.protocolViolation(`request id ${id} is already in use`)
      return false
    }
    if (this.goneAway || this.ending) {
      this.sendError(id, new RpcError('UNAVAILABLE', `${service}.${method}: peer is shutting down`, { mayHaveExecuted: false }))
      return true
    }
    if (this.serving.size >= this.opts.maxInflight) {
      this.sendError(id, new RpcError('OVERLOADED', `${service}.${method}: ${this.serving.size} calls from this peer are in flight (limit ${this.opts.maxInflight})`, { mayHaveExecuted: false }))
      return true
    }
    const ts = this.receiveTimestamp(wall, logical)
    const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : undefined
    const call = new ServerCall(this.peer, service, method, deadline, ts, meta as RequestMeta | undefined)
    this.serving.set(id, call)
    if (deadline !== undefined) this.startSweeper()
    let out: unknown
    try {
      out = this.opts.dispatch(call, args)
    } catch (err) {
      this.finish(id, call, err, true)
      return true
    }
    if (out !== null && typeof out === 'object' && typeof (out as PromiseLike<unknown>).then === 'function') {
      (out as PromiseLike<unknown>).then(
        value => { this.finish(id, call, value, false) },
        err => { this.finish(id, call, err, true) }
      )
    } else {
      this.finish(id, call, out, false)
    }
    return true
  }

  private finish (id: number, call: ServerCall, value: unknown, failed: boolean): void {
    call.finish()
    if (this.serving.get(id) !== call) return // cancelled, timed out or closed: nobody waits for it
    this.serving.delete(id)
    if (this.serving.size === 0 && this.pending.size === 0) this.notifyIdle()
    if (this.closed) return
    if (failed) {
      this.sendError(id, value)
      return
    }
    const ts = this.opts.clock.tick()
    let body: Uint8Array
    try {
      body = codec.encode([FrameType.RESPONSE, id, value, ts.wall, ts.logical])
    } catch (err) {
      this.sendError(id, new RpcError('INTERNAL', `${call.service}.${call.method}: result cannot be encoded: ${(err as Error).message}`))
      return
    }
    if (body.byteLength > this.opts.maxFrameSize) {
      this.sendError(id, new RpcError('INTERNAL', `${call.service}.${call.method}: result of ${body.byteLength} bytes exceeds the frame limit of ${this.opts.maxFrameSize} bytes`))
      return
    }
    this.enqueue(body)
  }

  private sendError (id: number, err: unknown): void {
    const ts = this.opts.clock.tick()
    let code: string, message: string, name: string, data: unknown, executed: boolean
    if (err instanceof RpcError) {
      code = err.code
      message = err.message
      name = err.remoteName ?? 'RpcError'
      data = err.data
      executed = err.mayHaveExecuted
    } else {
      const d = describeThrown(err)
      code = 'REMOTE'
      message = d.message
      name = d.name
      data = d.data
      executed = true
    }
    let body: Uint8Array
    try {
      body = codec.encode([FrameType.ERROR, id, code, message, name, data, executed, ts.wall, ts.logical])
    } catch {
      body = codec.encode([FrameType.ERROR, id, code, message, name, undefined, executed, ts.wall, ts.logical])
    }
    if (body.byteLength > this.opts.maxFrameSize) {
      body = codec.encode([FrameType.ERROR, id, code, message.slice(0, 1024), name, undefined, executed, ts.wall, ts.logical])
    }
    this.enqueue(body)
  }

  private onCancel (id: number): void {
    const call = this.serving.get(id)
    if (call === undefined) return
    this.serving.delete(id)
    call.abort(new RpcError('CANCELLED', `${call.service}.${call.method}: cancelled by the caller`, { peer: this.peer, service: call.service, method: call.method }))
    if (this.serving.size === 0 && this.pending.size === 0) this.notifyIdle()
  }

  private startSweeper (): void {
    if (this.sweeper !== undefined) return
    this.sweeper = setInterval(() => {
      const now = Date.now()
      for (const [id, call] of this.serving) {
        if (call.deadline !== undefined && call.deadline <= now) {
          this.serving.delete(id)
          call.abort(deadlineError(call))
        }
      }
      if (this.serving.size === 0 && this.pending.size === 0) this.notifyIdle()
    }, DEADLINE_SWEEP_MS)
    this.sweeper.unref()
  }

  // ---------------------------------------------------------------- answers to our requests

  private onResponse (f: unknown[]): boolean {
    const id = f[1]
    if (!isRequestId(id)) {
      this.protocolViolation('malformed response frame')
      return false
    }
    const call = this.pending.get(id)
    if (call === undefined) return true // we gave up on it already
    this.receiveTimestamp(f[3], f[4])
    this.settle(call)
    call.resolve(f[2])
    return true
  }

  private onError (f: unknown[]): boolean {
    const [, id, code, message, name, data, executed] = f
    if (id === 0) {
      // about the whole stream: the remote found our frames malformed and resets the stream
      this.close(new RpcError('PROTOCOL', `${this.peer} reported a protocol error: ${String(message)}`, { peer: this.peer }))
      return false
    }
    if (!isRequestId(id)) {
      this.protocolViolation('malformed error frame')
      return false
    }
    const call = this.pending.get(id)
    if (call === undefined) return true
    this.receiveTimestamp(f[7], f[8])
    this.settle(call)
    const known = isRpcErrorCode(code)
    call.reject(new RpcError(known ? code : 'INTERNAL', typeof message === 'string' ? message : `${call.service}.${call.method} failed`, {
      peer: this.peer,
      service: call.service,
      method: call.method,
      mayHaveExecuted: typeof executed === 'boolean' ? executed : true,
      remoteName: typeof name === 'string' && name !== 'RpcError' ? name : undefined,
      data
    }))
    return true
  }

  // ---------------------------------------------------------------- writing

  private enqueue (body: Uint8Array): void {
    this.queue.push(body)
    this.queuedBytes += body.byteLength
    if (this.wake === undefined) return
    // A lone call is written at once (sequential latency). With other calls in flight, more frames are on their
    // way in this same turn of the event loop (the answers of one read resolve many callers, whose next calls
    // arrive a few promise hops later, on whichever session they pick): wait for the turn to end, so that they
    // leave in one write. Without it, calls spread over several sessions raced the writer and went one frame per
    // write (3.9 socket writes per call against 0.06, 10x the CPU per call).
    if (this.pending.size + this.serving.size > 1) this.wakeTimer ??= setImmediate(this.wakeSoon)
    else this.wakeWriter()
  }

  private readonly wakeSoon = (): void => {
    this.wakeTimer = undefined
    this.wakeWriter()
  }

  /** Lets the writer take what is queued (or see that the session ends). */
  private wakeWriter (): void {
    const wake = this.wake
    if (wake !== undefined) {
      this.wake = undefined
      wake()
    }
  }

  private async * outgoing (): AsyncGenerator<Uint8Array> {
    while (true) {
      if (this.queue.length === 0) {
        if (this.ending || this.closed) return
        await new Promise<void>(resolve => { this.wake = resolve })
        continue
      }
      const batch = this.queue
      this.queue = []
      this.queuedBytes = 0
      if (this.drainWaiters.length > 0) this.notifyDrained(true)
      yield encodeFrames(batch)
    }
  }

  /** The writer has flushed everything and ended (only after close was asked for). */
  private afterWrite (): void {
    if (this.closeError !== undefined) {
      this.stream.abort?.(this.closeError)
    } else {
      this.stream.close?.().catch(() => {})
    }
    this.close(this.closeError)
  }

  // ---------------------------------------------------------------- lifecycle

  /** Tells the remote that no new calls will be taken here (calls already received are still answered). */
  goAway (reason = 'shutting down'): void {
    if (!this.isOpen) return
    this.goneAway = true
    this.enqueue(codec.encode([FrameType.GOAWAY, reason]))
  }

  /**
   * Ends the session gracefully: what is queued is written, then the stream is closed. Calls still pending then
   * fail with UNAVAILABLE. Resolves once closed, or after `timeoutMs` by resetting the stream.
   */
  async end (timeoutMs = 2000): Promise<void> {
    if (this.closed) return
    this.ending = true
    this.wakeWriter()
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

  /** Resolves true once the writer has taken what is queued, false after WRITE_STALL_TIMEOUT_MS or on close. */
  private writerCaughtUp (): Promise<boolean> {
    return new Promise(resolve => {
      const timer = setTimeout(() => { this.drainWaiters = this.drainWaiters.filter(w => w !== done); resolve(false) }, this.opts.writeStallTimeoutMs ?? WRITE_STALL_TIMEOUT_MS)
      timer.unref()
      const done = (drained: boolean): void => { clearTimeout(timer); resolve(drained) }
      this.drainWaiters.push(done)
    })
  }

  private notifyDrained (drained: boolean): void {
    const waiters = this.drainWaiters
    this.drainWaiters = []
    for (const w of waiters) w(drained)
  }

  private notifyIdle (): void {
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const w of waiters) w()
  }

  private protocolViolation (reason: string): void {
    this.opts.log?.('protocol violation by %s: %s', this.peer, reason)
    const err = new RpcError('PROTOCOL', `protocol violation by ${this.peer}: ${reason}`, { peer: this.peer })
    if (!this.closed) {
      const ts = this.opts.clock.tick()
      this.enqueue(codec.encode([FrameType.ERROR, 0, 'PROTOCOL', reason, 'RpcError', undefined, false, ts.wall, ts.logical]))
    }
    this.closeError = err
    this.ending = true
    this.failAll(err)
    this.wakeWriter()
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
    this.wakeWriter()
    const reason = err instanceof RpcError
      ? err
      : new RpcError('UNAVAILABLE', `connection to ${this.peer} ${remoteEnded ? 'was closed by the peer' : 'was lost'}${err !== undefined ? `: ${err.message}` : ''}`, { peer: this.peer, mayHaveExecuted: true, cause: err })
    this.failAll(reason)
    this.notifyDrained(false)
    if (err !== undefined) this.stream.abort?.(err)
    else this.stream.close?.().catch(() => {})
    this.notifyIdle()
    for (const w of this.closeWaiters.splice(0)) w()
    this.opts.onClose?.(this, err)
  }

  private failAll (reason: RpcError): void {
    for (const call of [...this.pending.values()]) {
      this.settle(call)
      call.reject(reason.with({ service: call.service, method: call.method, peer: this.peer, mayHaveExecuted: true }))
    }
    for (const [id, call] of [...this.serving]) {
      this.serving.delete(id)
      call.abort(reason)
    }
    this.pongs.clear()
  }
}

function cancelled (service: string, method: string, peer: string, sent: boolean, reason: unknown): RpcError {
  return new RpcError('CANCELLED', `${service}.${method}: cancelled`, { service, method, peer, mayHaveExecuted: sent, cause: reason })
}
