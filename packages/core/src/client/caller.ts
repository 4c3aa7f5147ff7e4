/**
 * The client path of a node: validates a call, inherits the deadline and cancellation of the handler it is made
 * from, runs the outgoing interceptors once per logical call, then sends it to one pinned peer or routes it
 * (balancer, retries, hedges: router.ts). One attempt goes to this peer's own pipeline or to a session.
 */
import { randomUUID } from 'node:crypto'
import { RpcError } from '../errors.js'
import { InterceptorChain } from '../interceptors.js'
import { currentCall } from '../server/context.js'
import { budgetMs } from '../timers.js'
import { DIAL_TIMEOUT_MS } from '../defaults.js'
import { NO_META } from '../wire/metadata.js'
import { isAsyncIterable } from '../wire/streams.js'
import { callLocal, localStream } from './local.js'
import { batchWallNow } from '../batch-clock.js'
import { DEFAULT_RETRIES, TRANSPARENT_RETRIES, failureKind, mayRetry, neverSent, route } from './router.js'
import { callProblem, invalidCall } from './validate.js'
import type { HybridClock } from '../hlc.js'
import type { ServerCall } from '../server/context.js'
import type { OutgoingCall, Interceptor } from '../interceptors.js'
import type { CallOptions } from '../types.js'
import type { RequestOptions } from '../wire/frames.js'
import type { Metadata } from '../wire/metadata.js'
import type { SessionPool } from '../wire/pool.js'
import type { CallSink, Dispatch, Session } from '../wire/session.js'
import type { ClusterView } from './cluster.js'
import type { AttemptInfo, RouterDeps } from './router.js'
import type { Balancer } from '@peercall/balancer'
import type { Candidate } from '@peercall/balancer'

export interface CallerDeps {
  localId: string
  /** Deadline of calls that name none, ms (0 or Infinity: none). */
  defaultTimeoutMs: number
  pool: SessionPool
  view: ClusterView
  balancer: Balancer
  clock: HybridClock
  /** This peer's own server pipeline, for calls routed or pinned to itself. */
  dispatch: Dispatch
  /** Candidates without the peers that may not be called (the allowlist). */
  allowed: (list: Candidate[]) => Candidate[]
  /** The error for a call no live host can take (e.g. a method that none of the service's hosts offers), if known. */
  unroutable?: (service: string, method: string) => RpcError | undefined
  stopping: () => boolean
}

/** Counters of the calls made here. */
export interface CallCounters {
  calls: number
  failures: number
  retries: number
  hedges: number
}

export class Caller {
  readonly counters: CallCounters = { calls: 0, failures: 0, retries: 0, hedges: 0 }
  readonly outgoing = new InterceptorChain<OutgoingCall>(() => undefined)
  private readonly deps: CallerDeps
  /** What the router needs, built once (not per call): by ring order for 'hash', any order otherwise. */
  private readonly routerDeps: RouterDeps
  private readonly hashDeps: RouterDeps

  constructor (deps: CallerDeps) {
    this.deps = deps
    const routeDeps = (ring: boolean): RouterDeps => ({
      balancer: deps.balancer,
      candidates: (s, m) => deps.allowed(deps.view.candidates(s, ring, m)),
      unroutable: r => deps.unroutable?.(r.service, r.method),
      attempt: (peer, r, ms, signal, opts, info, sink) => this.attemptAt(peer, r.service, r.method, r.args, ms, signal, opts, r.meta, r.onTrailers, info, r.input, undefined, sink),
      onRetry: () => { this.counters.retries++ },
      onHedge: () => { this.counters.hedges++ }
    })
    this.routerDeps = routeDeps(false)
    this.hashDeps = routeDeps(true)
  }

  /** Adds an outgoing interceptor (inside those added before); returns its removal. */
  intercept (fn: Interceptor<OutgoingCall>): () => void {
    return this.outgoing.add(fn)
  }

  /** Counts a failed call (handed to the session, router or local call: no promise per call). */
  private readonly failed = (): void => { this.counters.failures++ }

  call (service: string, method: string, args: unknown[], options: CallOptions): Promise<unknown> {
    const problem = callProblem(service, method, args, options)
    if (problem !== undefined) return Promise.reject(invalidCall(service, method, problem))
    if (this.deps.stopping()) {
      return Promise.reject(new RpcError('UNAVAILABLE', `${service}.${method}: this peer is stopping`, { service, method, mayHaveExecuted: false }))
    }
    this.counters.calls++
    if (this.outgoing.size === 0) return this.send(service, method, args, options.meta, options, this.failed)
    const p = this.outgoing.runWith({ service, method, args, meta: options.meta ?? NO_META, peer: options.peer }, c => {
      const changed = callProblem(c.service, c.method, c.args, { meta: c.meta })
      if (changed !== undefined) throw invalidCall(c.service, c.method, `after the outgoing interceptors: ${changed}`)
      return this.send(c.service, c.method, c.args, c.meta === NO_META ? undefined : c.meta, options, undefined)
    })
    p.catch(this.failed) // an interceptor may fail the call itself: counted once, here
    return p
  }

  /** The absolute deadline of a call: its own (0 and Infinity: none), narrowed by that of the handler it is made from. */
  private deadlineOf (options: CallOptions, now: number, outer: ServerCall | undefined): number | undefined {
    const own = budgetMs(options.timeoutMs ?? this.deps.defaultTimeoutMs)
    const deadline = own === undefined ? undefined : now + own
    return outer?.deadline !== undefined && (deadline === undefined || outer.deadline < deadline) ? outer.deadline : deadline
  }

  /** The signal of a call: its own, joined with that of the handler it is made from (cancelled with it). */
  private static signalOf (options: CallOptions, outer: ServerCall | undefined): AbortSignal | undefined {
    if (outer === undefined) return options.signal
    return options.signal === undefined ? outer.signal : AbortSignal.any([options.signal, outer.signal])
  }

  private static requestOptions (options: CallOptions): RequestOptions | undefined {
    return options.ordered === true || options.callId !== undefined
      ? { ...(options.callId !== undefined ? { callId: options.callId } : {}), ...(options.ordered === true ? { ordered: true, key: options.key ?? '' } : {}) }
      : undefined
  }

  /** Sends a validated call: pinned to `options.peer`, or routed. `onFail` counts its failure. */
  private send (service: string, method: string, args: unknown[], meta: Metadata | undefined, options: CallOptions, onFail: (() => void) | undefined): Promise<unknown> {
    const now = batchWallNow()
    // a call made while a handler runs inherits what is left of the handler's deadline and its cancellation
    const outer = currentCall()
    const deadline = this.deadlineOf(options, now, outer)
    const signal = Caller.signalOf(options, outer)
    const input = options.input === undefined ? undefined : asyncIterable(options.input)
    if (options.peer !== undefined) {
      if (deadline !== undefined && deadline <= now) {
        onFail?.()
        return Promise.reject(new RpcError('DEADLINE_EXCEEDED', `${service}.${method}: deadline exceeded before the call was sent`, { service, method, mayHaveExecuted: false }))
      }
      return this.attemptAt(this.normalisePeer(options.peer), service, method, args, deadline === undefined ? undefined : deadline - now, signal,
        Caller.requestOptions(options), meta, options.onTrailers, undefined, input, onFail)
    }
    const ordered = options.ordered === true
    // input is consumed as it is sent: such a call is never run twice (retried only when it surely did not start)
    const idempotent = input === undefined && (options.idempotent ?? this.deps.view.idempotent(service, method))
    const strategy = ordered && options.balance === undefined ? 'hash' : (options.balance ?? 'p2c')
    // a call id lets the server run a call once however many attempts reach it: needed only where one logical
    // call may run twice (the retries and hedges of an idempotent call); a non-idempotent call is retried only
    // when it surely did not run
    const callId = options.callId ?? (idempotent ? randomUUID() : undefined)
    return route(strategy === 'hash' ? this.hashDeps : this.routerDeps, service, method, args, strategy, options.key, idempotent,
      input === undefined ? options.retries : 0, options.hedgeAfterMs, options.attemptTimeoutMs, deadline, now, signal, meta, options.onTrailers, input,
      onFail, ordered, callId)
  }

  /**
   * A call whose answer is a stream of items. Validated, intercepted and limited as `call`; a routed stream picks
   * its peer once and fails over (as a unary call would) only until the first item arrives.
   */
  stream (service: string, method: string, args: unknown[], options: CallOptions): AsyncIterable<unknown> {
    return this.streamItems(service, method, args, options)
  }

  private async * streamItems (service: string, method: string, args: unknown[], options: CallOptions): AsyncGenerator<unknown> {
    const problem = callProblem(service, method, args, options)
    if (problem !== undefined) throw invalidCall(service, method, problem)
    if (this.deps.stopping()) throw new RpcError('UNAVAILABLE', `${service}.${method}: this peer is stopping`, { service, method, mayHaveExecuted: false })
    this.counters.calls++
    let call = { service, method, args, meta: options.meta }
    if (this.outgoing.size > 0) {
      const out = await this.outgoing.runWith({ service, method, args, meta: options.meta ?? NO_META, peer: options.peer }, c => {
        const changed = callProblem(c.service, c.method, c.args, { meta: c.meta })
        if (changed !== undefined) throw invalidCall(c.service, c.method, `after the outgoing interceptors: ${changed}`)
        return new StreamStart({ service: c.service, method: c.method, args: c.args, meta: c.meta === NO_META ? undefined : c.meta })
      })
      if (out instanceof StreamStart) {
        call = out.call
      } else if (isAsyncIterable(out)) {
        yield * out // an interceptor answered the stream itself
        return
      } else {
        throw new RpcError('INTERNAL', `${service}.${method}: an outgoing interceptor answered a stream with a value that is not async iterable`, { service, method, mayHaveExecuted: false })
      }
    }
    try {
      yield * this.streamRouted(call.service, call.method, call.args, call.meta, options)
    } catch (err) {
      this.counters.failures++
      throw err
    }
  }

  private async * streamRouted (service: string, method: string, args: unknown[], meta: Metadata | undefined, options: CallOptions): AsyncGenerator<unknown> {
    const outer = currentCall()
    const deadline = this.deadlineOf(options, Date.now(), outer)
    const signal = Caller.signalOf(options, outer)
    const input = options.input === undefined ? undefined : asyncIterable(options.input)
    const opts = Caller.requestOptions(options)
    const timeLeft = (): number | undefined => deadline === undefined ? undefined : Math.max(1, deadline - Date.now())
    if (options.peer !== undefined) {
      yield * this.streamAt(this.normalisePeer(options.peer), service, method, args, timeLeft(), signal, opts, meta, options.onTrailers, input)
      return
    }
    const { balancer } = this.deps
    const strategy = options.ordered === true && options.balance === undefined ? 'hash' : (options.balance ?? 'p2c')
    const idempotent = input === undefined && (options.idempotent ?? this.deps.view.idempotent(service, method))
    const maxAttempts = 1 + (input !== undefined ? 0 : options.retries ?? (idempotent ? DEFAULT_RETRIES : TRANSPARENT_RETRIES))
    const tried = new Set<string>()
    let spent = 0
    let lastError: RpcError | undefined
    balancer.onCall()
    while (true) {
      const peer = balancer.pick(this.deps.allowed(this.deps.view.candidates(service, strategy === 'hash', method)), { strategy, key: options.key, exclude: tried, service })
      if (peer === undefined) {
        throw lastError ?? this.deps.unroutable?.(service, method) ?? new RpcError('UNAVAILABLE', `${service}.${method}: no live peer hosts service ${service}`, { service, method, mayHaveExecuted: false })
      }
      if (deadline !== undefined && deadline <= Date.now()) {
        throw lastError ?? new RpcError('DEADLINE_EXCEEDED', `${service}.${method}: deadline exceeded`, { service, method, mayHaveExecuted: false })
      }
      tried.add(peer)
      const started = performance.now()
      let first = false
      let reported = false
      const report = (ok: boolean, err?: RpcError): void => {
        if (reported) return
        reported = true
        balancer.onEnd(peer, ok ? { latencyMs: performance.now() - started, ok: true } : { latencyMs: performance.now() - started, ok: false, failureKind: err === undefined ? 'cancelled' : failureKind(err) })
      }
      balancer.onStart(peer)
      try {
        for await (const item of this.streamAt(peer, service, method, args, timeLeft(), signal, opts, meta, options.onTrailers, input)) {
          if (!first) {
            first = true
            report(true) // time to the first item is the peer's service time
          }
          yield item
        }
        report(true)
        return
      } catch (e) {
        const err = e instanceof RpcError ? e : new RpcError('INTERNAL', String((e as Error)?.message ?? e), { peer, cause: e })
        report(false, err)
        lastError = err
        if (!neverSent(err)) spent++
        const again = !first && (neverSent(err) || (spent < maxAttempts && mayRetry(err, idempotent) && balancer.retryBudget.tryWithdraw()))
        if (!again) throw err
        this.counters.retries++
      } finally {
        report(false) // the consumer left the loop
      }
    }
  }

  /** One streamed attempt at one peer (this one included). */
  private async * streamAt (peer: string, service: string, method: string, args: unknown[], timeoutMs: number | undefined, signal: AbortSignal | undefined,
    opts: RequestOptions | undefined, meta: Metadata | undefined, onTrailers: ((t: Metadata) => void) | undefined, input: AsyncIterable<unknown> | undefined): AsyncGenerator<unknown> {
    if (peer === this.deps.localId) {
      yield * localStream(this.deps.dispatch, this.deps.clock, peer, { service, method, args, timeoutMs, signal, opts, meta, onTrailers, input })
      return
    }
    const session = this.deps.pool.get(peer) ?? await this.dial(peer, service, method, timeoutMs, signal)
    const { items } = session.openStream(service, method, args, { timeoutMs, signal, opts, meta, onTrailers, input })
    yield * items
  }

  /**
   * One attempt at one peer (this one included), with no routing. With a `sink`, an attempt sent on an open
   * session answers undefined and tells the sink its outcome (Session.send); any other answers its promise.
   */
  private attemptAt (peer: string, service: string, method: string, args: unknown[], timeoutMs: number | undefined, signal: AbortSignal | undefined,
    opts: RequestOptions | undefined, meta: Metadata | undefined, onTrailers: ((t: Metadata) => void) | undefined, info: AttemptInfo | undefined, input: AsyncIterable<unknown> | undefined, onFail: (() => void) | undefined,
    sink: CallSink | undefined): Promise<unknown> | undefined
  private attemptAt (peer: string, service: string, method: string, args: unknown[], timeoutMs: number | undefined, signal: AbortSignal | undefined,
    opts: RequestOptions | undefined, meta: Metadata | undefined, onTrailers: ((t: Metadata) => void) | undefined, info?: AttemptInfo, input?: AsyncIterable<unknown>, onFail?: () => void): Promise<unknown>
  private attemptAt (peer: string, service: string, method: string, args: unknown[], timeoutMs: number | undefined, signal: AbortSignal | undefined,
    opts: RequestOptions | undefined, meta: Metadata | undefined, onTrailers: ((t: Metadata) => void) | undefined, info?: AttemptInfo, input?: AsyncIterable<unknown>, onFail?: () => void,
    sink?: CallSink): Promise<unknown> | undefined {
    if (peer === this.deps.localId) {
      return callLocal(this.deps.dispatch, this.deps.clock, peer, { service, method, args, timeoutMs, signal, opts, meta, onTrailers, input, onFail })
    }
    const session = this.deps.pool.get(peer)
    if (session !== undefined) return session.send(service, method, args, timeoutMs, signal, opts, meta, onTrailers, input, onFail, sink)
    return this.callAfterDial(peer, service, method, args, timeoutMs, signal, opts, meta, onTrailers, info, input, onFail)
  }

  private async callAfterDial (peer: string, service: string, method: string, args: unknown[], timeoutMs: number | undefined, signal: AbortSignal | undefined,
    opts: RequestOptions | undefined, meta: Metadata | undefined, onTrailers: ((t: Metadata) => void) | undefined, info?: AttemptInfo, input?: AsyncIterable<unknown>, onFail?: () => void): Promise<unknown> {
    const start = performance.now()
    let session: Session
    try {
      session = await this.dial(peer, service, method, timeoutMs, signal)
    } catch (err) {
      onFail?.()
      throw err
    }
    const connectMs = performance.now() - start
    if (info !== undefined) info.connectMs += connectMs
    return await session.request(service, method, args, { timeoutMs: timeoutMs === undefined ? undefined : Math.max(1, timeoutMs - connectMs), signal, opts, meta, onTrailers, input, onFail })
  }

  /**
   * Opens a session to `peer` (dialling it), within DIAL_TIMEOUT_MS and the call's time and signal; its failure
   * says the call never left this peer (`mayHaveExecuted` false).
   */
  private async dial (peer: string, service: string, method: string, timeoutMs: number | undefined, signal: AbortSignal | undefined): Promise<Session> {
    const dialMs = timeoutMs === undefined ? DIAL_TIMEOUT_MS : Math.min(timeoutMs, DIAL_TIMEOUT_MS)
    try {
      return await this.deps.pool.open(peer, signal === undefined ? AbortSignal.timeout(dialMs) : AbortSignal.any([AbortSignal.timeout(dialMs), signal]))
    } catch (err) {
      if (signal?.aborted === true) throw new RpcError('CANCELLED', `${service}.${method}: cancelled`, { service, method, peer, mayHaveExecuted: false })
      if (err instanceof RpcError) throw new RpcError(err.code, `${service}.${method}: ${err.message}`, { service, method, peer, mayHaveExecuted: false, retryable: err.retryable, cause: err.cause })
      throw err
    }
  }

  /** A peer option that is this node's own address means this node. */
  private normalisePeer (peer: string): string {
    const self = this.deps.localId
    return peer.startsWith('/') && peer.endsWith(`/p2p/${self}`) ? self : peer
  }
}

/** What the terminal of the outgoing chain answers for a stream: the call as the interceptors left it. */
class StreamStart {
  constructor (readonly call: { service: string, method: string, args: unknown[], meta: Metadata | undefined }) {}
}

/** An Iterable as an AsyncIterable (input may be either). */
function asyncIterable (input: AsyncIterable<unknown> | Iterable<unknown>): AsyncIterable<unknown> {
  if (typeof (input as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return input as AsyncIterable<unknown>
  return (async function * () { yield * (input as Iterable<unknown>) })()
}
