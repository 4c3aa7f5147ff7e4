/**
 * Interceptors: middleware around calls, on the caller's side (`outgoing`, once per logical call, around routing,
 * retries and hedges) and on the server's (`incoming`, after admission, before the handler, inside its call
 * context). Each is `(call, next) => result`: it may read and change the call (args, metadata), call `next` and
 * observe or replace its result or error, or answer without calling `next` at all (a cached result, an RpcError).
 * The first added is the outermost.
 */
import type { Metadata } from './wire/metadata.js'

/** A call as an outgoing interceptor sees it. Pass a changed copy to `next` to change what is sent. */
export interface OutgoingCall {
  readonly service: string
  readonly method: string
  readonly args: unknown[]
  /** Headers sent with the call (the caller's `meta`); add entries by passing `{ ...call, meta: { ...call.meta, k: v } }` to `next`. */
  readonly meta: Metadata
  /** The peer the call is pinned to (`peer` option), or undefined for a routed call. */
  readonly peer: string | undefined
}

/** A call as an incoming interceptor sees it, before the handler runs. `callContext()` works here too. */
export interface IncomingCall {
  readonly service: string
  readonly method: string
  readonly args: unknown[]
  /** The caller's headers; a changed copy passed to `next` is what the handler's `callContext().meta` shows. */
  readonly meta: Metadata
  /** The caller's verified peer id. */
  readonly peer: string
}

export type Next<C> = (call: C) => Promise<unknown>
export type Interceptor<C> = (call: C, next: Next<C>) => unknown

export interface Interceptors {
  outgoing?: Interceptor<OutgoingCall>
  incoming?: Interceptor<IncomingCall>
}

/**
 * One function that runs `chain` (outermost first) around `terminal`. With an empty chain it is `terminal`
 * itself, so calls pay nothing for interceptors that are not there.
 */
export function compose<C> (chain: ReadonlyArray<Interceptor<C>>, terminal: (call: C) => unknown): (call: C) => unknown {
  if (chain.length === 0) return terminal
  const last = (call: C): Promise<unknown> => {
    try {
      return Promise.resolve(terminal(call))
    } catch (err) {
      return Promise.reject(err)
    }
  }
  let next: Next<C> = last
  for (let i = chain.length - 1; i >= 0; i--) {
    const fn = chain[i]
    const inner = next
    next = (call: C): Promise<unknown> => {
      try {
        return Promise.resolve(fn(call, inner))
      } catch (err) {
        return Promise.reject(err)
      }
    }
  }
  return next
}

/** A list of interceptors of one side, recomposed only when it changes. */
export class InterceptorChain<C> {
  private readonly list: Array<Interceptor<C>> = []
  private readonly terminal: (call: C) => unknown
  /** The composed chain; the terminal itself while the list is empty. */
  run: (call: C) => unknown

  constructor (terminal: (call: C) => unknown) {
    this.terminal = terminal
    this.run = terminal
  }

  get size (): number {
    return this.list.length
  }

  /** Runs `call` through the chain around a terminal of this call's own (composed per call: only while the list is not empty). */
  runWith (call: C, terminal: (call: C) => unknown): Promise<unknown> {
    return Promise.resolve(compose(this.list, terminal)(call))
  }

  /** Adds `fn` inside those added before it; returns the function that removes it. */
  add (fn: Interceptor<C>): () => void {
    if (typeof fn !== 'function') throw new TypeError('an interceptor must be a function (call, next) => result')
    this.list.push(fn)
    this.run = compose(this.list, this.terminal)
    let removed = false
    return () => {
      if (removed) return
      removed = true
      const i = this.list.indexOf(fn)
      if (i >= 0) this.list.splice(i, 1)
      this.run = compose(this.list, this.terminal)
    }
  }
}
