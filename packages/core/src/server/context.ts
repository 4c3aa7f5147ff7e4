/**
 * The call context: who called, until when, with which timestamp and metadata, and the signal that aborts when
 * the caller cancels or the deadline passes. Handlers read it with `callContext()` and keep plain signatures.
 */
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks'
import { RpcError } from '../errors.js'
import { clearDeadlineTimer, setDeadlineTimer } from '../timers.js'
import { MAX_META_BYTES, MAX_META_ENTRIES, NO_META, freezeMetadata } from '../wire/metadata.js'
import type { HlcTimestamp } from '../hlc.js'
import type { DeadlineTimer } from '../timers.js'
import type { Metadata } from '../wire/metadata.js'
import type { RequestOptions } from '../wire/frames.js'

/** What a handler (or an incoming interceptor) sees of the call it serves: read-only, plus `setTrailer`. */
export interface CallContext {
  /** Peer id of the caller (verified by the libp2p handshake), or this peer's own id for a local call. */
  readonly peer: string
  readonly service: string
  readonly method: string
  /** Absolute deadline in ms since the epoch by this peer's clock, or undefined for none. */
  readonly deadline: number | undefined
  /** Hybrid logical clock timestamp of the request's receipt: later than the caller's send time. */
  readonly timestamp: HlcTimestamp
  /** Aborted when the caller cancels, the deadline passes, or the connection drops. */
  readonly signal: AbortSignal
  /** Idempotency key of the logical call, if the caller sent one. */
  readonly callId: string | undefined
  /** Ordering key, if the caller sent one. */
  readonly key: string | undefined
  /** The caller's metadata (`meta` on its call options); empty when it sent none. */
  readonly meta: Metadata
  /**
   * Sets a trailer: it reaches the caller's `onTrailers` before its call settles, on success and on error.
   * Bounded as metadata is (MAX_META_ENTRIES entries, MAX_META_BYTES); past the bound it throws INVALID_ARGUMENT.
   */
  setTrailer(key: string, value: string): void
  /** The caller's input items (`input` on its call options: client streaming and bidi), or undefined. */
  readonly input: AsyncIterable<unknown> | undefined
}

/** The state of a served call that most calls never need: made on first use. */
interface CallExtras {
  controller: AbortController | undefined
  timer: DeadlineTimer | undefined
  trailerMap: Record<string, string> | undefined
  trailerBytes: number
  view: CallContext | undefined
  doneHooks: Array<() => void> | undefined
}

/**
 * Context of one call being served (internal: the public view is `callContext()`). Small, as one is made per
 * call: the request's options are kept as received, and the AbortController, deadline timer, trailers, public
 * view and done hooks live in an object made only when a handler or the pipeline asks for one of them.
 */
export class ServerCall {
  readonly peer: string
  readonly service: string
  readonly method: string
  readonly deadline: number | undefined
  readonly timestamp: HlcTimestamp
  private readonly opts: RequestOptions | undefined
  /** The caller's metadata, as incoming interceptors left it. */
  meta: Metadata
  private reason: RpcError | undefined = undefined
  /** Set once the answer is sent: trailers set later cannot travel. */
  settled = false
  /** The caller's input items, when it streams input. */
  input: AsyncIterable<unknown> | undefined = undefined
  private extra: CallExtras | undefined = undefined
  /** The scope of the stream that brought the call (undefined for a call made by this peer to itself). */
  readonly scope: AsyncResource | undefined

  constructor (peer: string, service: string, method: string, deadline: number | undefined, timestamp: HlcTimestamp, opts: RequestOptions | undefined, meta: Metadata | undefined, scope?: AsyncResource) {
    this.peer = peer
    this.service = service
    this.method = method
    this.deadline = deadline
    this.timestamp = timestamp
    this.opts = opts
    this.scope = scope
    this.meta = meta === undefined ? NO_META : Object.isFrozen(meta) ? meta : freezeMetadata(meta as Record<string, string>)
  }

  /** Idempotency key of the logical call, if the caller sent one. */
  get callId (): string | undefined {
    return this.opts?.callId
  }

  /** Ordering key, if the caller sent one. */
  get key (): string | undefined {
    return this.opts?.key
  }

  get ordered (): boolean {
    return this.opts?.ordered === true
  }

  /** Whether the caller reads the answer as a stream of items. */
  get streaming (): boolean {
    return this.opts?.stream !== undefined
  }

  private extras (): CallExtras {
    return this.extra ??= { controller: undefined, timer: undefined, trailerMap: undefined, trailerBytes: 0, view: undefined, doneHooks: undefined }
  }

  get signal (): AbortSignal {
    const x = this.extras()
    if (x.controller === undefined) {
      x.controller = new AbortController()
      if (this.reason !== undefined) {
        x.controller.abort(this.reason)
      } else if (this.deadline !== undefined) {
        x.timer = setDeadlineTimer(() => { this.abort(deadlineError(this)) }, this.deadline - Date.now(), true)
      }
    }
    return x.controller.signal
  }

  get aborted (): boolean {
    return this.reason !== undefined
  }

  abort (reason: RpcError): void {
    if (this.reason !== undefined) return
    this.reason = reason
    this.extra?.controller?.abort(reason)
    this.finish()
  }

  /** Trailers set so far, or undefined for none. */
  get trailers (): Metadata | undefined {
    return this.extra?.trailerMap
  }

  setTrailer (key: string, value: string): void {
    if (typeof key !== 'string' || key.length === 0 || typeof value !== 'string') {
      throw new RpcError('INVALID_ARGUMENT', 'setTrailer: key must be a non-empty string and value a string', { mayHaveExecuted: true })
    }
    const x = this.extras()
    const map = x.trailerMap ??= Object.create(null) as Record<string, string>
    const old = map[key]
    const bytes = x.trailerBytes + key.length + value.length - (old === undefined ? 0 : key.length + old.length)
    const entries = Object.keys(map).length + (old === undefined ? 1 : 0)
    if (entries > MAX_META_ENTRIES || bytes > MAX_META_BYTES) {
      throw new RpcError('INVALID_ARGUMENT', `setTrailer: trailers are limited to ${MAX_META_ENTRIES} entries and ${MAX_META_BYTES} bytes`, { mayHaveExecuted: true })
    }
    map[key] = value
    x.trailerBytes = bytes
  }

  /** The read-only view handed to handlers and interceptors. */
  context (): CallContext {
    const x = this.extras()
    x.view ??= new ContextView(this)
    return x.view
  }

  /** Runs `fn` once, when the call is finished (answered, cancelled, timed out or its connection lost). */
  whenDone (fn: () => void): void {
    (this.extras().doneHooks ??= []).push(fn)
  }

  /** Releases the deadline timer and runs the done hooks (once). */
  finish (): void {
    const x = this.extra
    if (x === undefined) return
    if (x.timer !== undefined) {
      clearDeadlineTimer(x.timer)
      x.timer = undefined
    }
    const hooks = x.doneHooks
    if (hooks !== undefined) {
      x.doneHooks = undefined
      for (const fn of hooks) fn()
    }
  }
}

/** The public face of a ServerCall: getters only, and setTrailer; no abort(), controller or timer. */
class ContextView implements CallContext {
  readonly #call: ServerCall
  constructor (call: ServerCall) { this.#call = call }
  get peer (): string { return this.#call.peer }
  get service (): string { return this.#call.service }
  get method (): string { return this.#call.method }
  get deadline (): number | undefined { return this.#call.deadline }
  get timestamp (): HlcTimestamp { return this.#call.timestamp }
  get signal (): AbortSignal { return this.#call.signal }
  get callId (): string | undefined { return this.#call.callId }
  get key (): string | undefined { return this.#call.key }
  get meta (): Metadata { return this.#call.meta }
  get input (): AsyncIterable<unknown> | undefined { return this.#call.input }
  setTrailer (key: string, value: string): void { this.#call.setTrailer(key, value) }
}

export function deadlineError (call: { service: string, method: string, peer?: string }): RpcError {
  return new RpcError('DEADLINE_EXCEEDED', `${call.service}.${call.method}: deadline exceeded`, {
    service: call.service, method: call.method, peer: call.peer, mayHaveExecuted: true
  })
}

const storage = new AsyncLocalStorage<ServerCall>()

/** Runs `fn` with `call` as the current call context. */
export function runInContext<R> (call: ServerCall, fn: (...args: any[]) => R, self: unknown, args: unknown[]): R {
  return storage.run(call, invoke, fn, self, args) as R
}

function invoke (fn: (...args: unknown[]) => unknown, self: unknown, args: unknown[]): unknown {
  return fn.apply(self, args)
}

interface CallTarget { invoke: (ctx: ServerCall, args: unknown[]) => unknown }

/**
 * Runs `call` through `registry` with `call` as the current call context (the common path: no array, no apply).
 * With the `scope` of the stream that brought the call, the context is entered inside that scope, which then
 * restores the previous context as it was: one context made per call, where `storage.run` makes two (Node 24's
 * AsyncLocalStorage makes a new one to restore the previous store). The handler sees the same stores either way:
 * those of the scope (the stream's, where the call would otherwise run) and the call.
 */
export function runCallInContext (call: ServerCall, registry: CallTarget, args: unknown[], scope?: AsyncResource): unknown {
  if (scope !== undefined) return scope.runInAsyncScope(enterAndInvoke, undefined, call, registry, args)
  return storage.run(call, invokeRegistry, registry, call, args)
}

function invokeRegistry (registry: CallTarget, call: ServerCall, args: unknown[]): unknown {
  return registry.invoke(call, args)
}

function enterAndInvoke (call: ServerCall, registry: CallTarget, args: unknown[]): unknown {
  storage.enterWith(call)
  return registry.invoke(call, args)
}

/** The scope in which a stream's calls run (see runCallInContext): made where the stream is, once per stream. */
export function callScope (): AsyncResource {
  return new AsyncResource('peercall.calls')
}

/** The call being served by the code that runs now (internal: deadline and cancellation propagation). */
export function currentCall (): ServerCall | undefined {
  return storage.getStore()
}

/**
 * The context of the call being served, from inside a handler or an incoming interceptor (also after an
 * `await`), or undefined outside one.
 *
 * ```ts
 * node.register('Clock', { now () { return callContext()?.timestamp } })
 * ```
 */
export function callContext (): CallContext | undefined {
  return storage.getStore()?.context()
}
