/**
 * The client path of a node: validates a call, inherits the deadline and cancellation of the handler it is made
 * from, runs the outgoing interceptors once per logical call, then sends it to one pinned peer or routes it
 * (balancer, retries, hedges: router.ts). One attempt goes to this peer's own pipeline or to a session.
 */
import { randomUUID } from 'node:crypto'
import { RpcError } from '../errors.js'
import { InterceptorChain } from '../interceptors.js'
import { currentCall } from '../server/context.js'
import { DIAL_TIMEOUT_MS } from '../defaults.js'
import { NO_META } from '../wire/metadata.js'
import { callLocal } from './local.js'
import { routedCall } from './router.js'
import { callProblem, invalidCall } from './validate.js'
import type { HybridClock } from '../hlc.js'
import type { OutgoingCall, Interceptor } from '../interceptors.js'
import type { CallOptions } from '../types.js'
import type { RequestOptions } from '../wire/frames.js'
import type { Metadata } from '../wire/metadata.js'
import type { SessionPool } from '../wire/pool.js'
import type { Dispatch, Session } from '../wire/session.js'
import type { ClusterView } from './cluster.js'
import type { AttemptInfo, RouteRequest, RouterDeps } from './router.js'
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
      candidates: s => deps.allowed(deps.view.candidates(s, ring)),
      attempt: (peer, r, ms, signal, opts, info) => this.attemptAt(peer, r.service, r.method, r.args, ms, signal, opts, r.meta, r.onTrailers, info),
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

  call (service: string, method: string, args: unknown[], options: CallOptions): Promise<unknown> {
    const problem = callProblem(service, method, args, options)
    if (problem !== undefined) return Promise.reject(invalidCall(service, method, problem))
    if (this.deps.stopping()) {
      return Promise.reject(new RpcError('UNAVAILABLE', `${service}.${method}: this peer is stopping`, { service, method, mayHaveExecuted: false }))
    }
    this.counters.calls++
    const p = this.outgoing.size === 0
      ? this.send(service, method, args, options.meta, options)
      : this.outgoing.runWith({ service, method, args, meta: options.meta ?? NO_META, peer: options.peer }, c => {
        const changed = callProblem(c.service, c.method, c.args, { meta: c.meta })
        if (changed !== undefined) throw invalidCall(c.service, c.method, `after the outgoing interceptors: ${changed}`)
        return this.send(c.service, c.method, c.args, c.meta === NO_META ? undefined : c.meta, options)
      })
    p.catch(() => { this.counters.failures++ })
    return p
  }

  /** Sends a validated call: pinned to `options.peer`, or routed. */
  private send (service: string, method: string, args: unknown[], meta: Metadata | undefined, options: CallOptions): Promise<unknown> {
    const own = options.timeoutMs ?? this.deps.defaultTimeoutMs
    let deadline = own > 0 && Number.isFinite(own) ? Date.now() + own : undefined
    let signal = options.signal
    // a call made while a handler runs inherits what is left of the handler's deadline and its cancellation
    const outer = currentCall()
    if (outer !== undefined) {
      if (outer.deadline !== undefined && (deadline === undefined || outer.deadline < deadline)) deadline = outer.deadline
      signal = signal === undefined ? outer.signal : AbortSignal.any([signal, outer.signal])
    }
    if (options.peer !== undefined) {
      const target = this.normalisePeer(options.peer)
      const opts: RequestOptions | undefined = options.ordered === true || options.callId !== undefined
        ? { ...(options.callId !== undefined ? { callId: options.callId } : {}), ...(options.ordered === true ? { ordered: true, key: options.key ?? '' } : {}) }
        : undefined
      const timeoutMs = deadline === undefined ? undefined : Math.max(1, deadline - Date.now())
      if (deadline !== undefined && deadline <= Date.now()) return Promise.reject(new RpcError('DEADLINE_EXCEEDED', `${service}.${method}: deadline exceeded before the call was sent`, { service, method, mayHaveExecuted: false }))
      return this.attemptAt(target, service, method, args, timeoutMs, signal, opts, meta, options.onTrailers)
    }
    const ordered = options.ordered === true
    const idempotent = options.idempotent ?? this.deps.view.idempotent(service, method)
    const req: RouteRequest = {
      service,
      method,
      args,
      strategy: ordered && options.balance === undefined ? 'hash' : (options.balance ?? 'p2c'),
      key: options.key,
      idempotent,
      retries: options.retries,
      hedgeAfterMs: options.hedgeAfterMs,
      attemptTimeoutMs: options.attemptTimeoutMs,
      deadline,
      signal,
      ordered,
      meta,
      onTrailers: options.onTrailers,
      // a call id lets the server run a call once however many attempts reach it: needed only where one logical
      // call may run twice (the retries and hedges of an idempotent call); a non-idempotent call is retried only
      // when it surely did not run
      callId: options.callId ?? (idempotent ? randomUUID() : undefined)
    }
    return routedCall(req.strategy === 'hash' ? this.hashDeps : this.routerDeps, req)
  }

  /** One attempt at one peer (this one included), with no routing. */
  private attemptAt (peer: string, service: string, method: string, args: unknown[], timeoutMs: number | undefined, signal: AbortSignal | undefined,
    opts: RequestOptions | undefined, meta: Metadata | undefined, onTrailers: ((t: Metadata) => void) | undefined, info?: AttemptInfo): Promise<unknown> {
    if (peer === this.deps.localId) {
      return callLocal(this.deps.dispatch, this.deps.clock, peer, { service, method, args, timeoutMs, signal, opts, meta, onTrailers })
    }
    const session = this.deps.pool.get(peer)
    if (session !== undefined) return session.request(service, method, args, { timeoutMs, signal, opts, meta, onTrailers })
    return this.callAfterDial(peer, service, method, args, timeoutMs, signal, opts, meta, onTrailers, info)
  }

  private async callAfterDial (peer: string, service: string, method: string, args: unknown[], timeoutMs: number | undefined, signal: AbortSignal | undefined,
    opts: RequestOptions | undefined, meta: Metadata | undefined, onTrailers: ((t: Metadata) => void) | undefined, info?: AttemptInfo): Promise<unknown> {
    const start = performance.now()
    const dialMs = timeoutMs === undefined ? DIAL_TIMEOUT_MS : Math.min(timeoutMs, DIAL_TIMEOUT_MS)
    const dialSignal = signal === undefined ? AbortSignal.timeout(dialMs) : AbortSignal.any([AbortSignal.timeout(dialMs), signal])
    let session: Session
    try {
      session = await this.deps.pool.open(peer, dialSignal)
    } catch (err) {
      if (signal?.aborted === true) throw new RpcError('CANCELLED', `${service}.${method}: cancelled`, { service, method, peer, mayHaveExecuted: false })
      if (err instanceof RpcError) throw new RpcError(err.code, `${service}.${method}: ${err.message}`, { service, method, peer, mayHaveExecuted: false, retryable: err.retryable, cause: err.cause })
      throw err
    }
    const connectMs = performance.now() - start
    if (info !== undefined) info.connectMs += connectMs
    return await session.request(service, method, args, { timeoutMs: timeoutMs === undefined ? undefined : Math.max(1, timeoutMs - connectMs), signal, opts, meta, onTrailers })
  }

  /** A peer option that is this node's own address means this node. */
  private normalisePeer (peer: string): string {
    const self = this.deps.localId
    return peer.startsWith('/') && peer.endsWith(`/p2p/${self}`) ? self : peer
  }
}
