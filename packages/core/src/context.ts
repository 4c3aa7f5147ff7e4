/**
 * The call context: who called, until when, with which timestamp, and the signal that aborts when the caller
 * cancels or the deadline passes. Handlers read it with `callContext()` and keep plain signatures.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { RpcError } from './errors.js'
import type { HlcTimestamp } from './hlc.js'
import type { RequestMeta } from './messages.js'

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
}

/** Context of one call being served. The AbortController is made only if the handler reads `signal`. */
export class ServerCall implements CallContext {
  readonly peer: string
  readonly service: string
  readonly method: string
  readonly deadline: number | undefined
  readonly timestamp: HlcTimestamp
  readonly callId: string | undefined
  readonly key: string | undefined
  readonly ordered: boolean
  private controller: AbortController | undefined
  private reason: RpcError | undefined
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor (peer: string, service: string, method: string, deadline: number | undefined, timestamp: HlcTimestamp, meta: RequestMeta | undefined) {
    this.peer = peer
    this.service = service
    this.method = method
    this.deadline = deadline
    this.timestamp = timestamp
    this.callId = meta?.callId
    this.key = meta?.key
    this.ordered = meta?.ordered === true
  }

  get signal (): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController()
      if (this.reason !== undefined) {
        this.controller.abort(this.reason)
      } else if (this.deadline !== undefined) {
        const left = this.deadline - Date.now()
        this.timer = setTimeout(() => { this.abort(deadlineError(this)) }, Math.max(0, left))
        this.timer.unref()
      }
    }
    return this.controller.signal
  }

  get aborted (): boolean {
    return this.reason !== undefined
  }

  abort (reason: RpcError): void {
    if (this.reason !== undefined) return
    this.reason = reason
    this.controller?.abort(reason)
    this.finish()
  }

  /** Releases the deadline timer. */
  finish (): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
  }
}

export function deadlineError (call: { service: string, method: string, peer?: string }): RpcError {
  return new RpcError('DEADLINE_EXCEEDED', `${call.service}.${call.method}: deadline exceeded`, {
    service: call.service, method: call.method, peer: call.peer, mayHaveExecuted: true
  })
}

const storage = new AsyncLocalStorage<CallContext>()

/** Runs `fn` with `ctx` as the current call context. */
export function runInContext<R> (ctx: CallContext, fn: (...args: any[]) => R, self: unknown, args: unknown[]): R {
  return storage.run(ctx, invoke, fn, self, args) as R
}

function invoke (fn: (...args: unknown[]) => unknown, self: unknown, args: unknown[]): unknown {
  return fn.apply(self, args)
}

/**
 * The context of the call being served, from inside a handler (also after an `await`), or undefined outside one.
 *
 * ```ts
 * node.register('Clock', { now () { return callContext()?.timestamp } })
 * ```
 */
export function callContext (): CallContext | undefined {
  return storage.getStore()
}
