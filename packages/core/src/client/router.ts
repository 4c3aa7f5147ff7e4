/**
 * Routed calls: choose a peer with the balancer, fail over to another on a retryable failure, hedge slow
 * idempotent calls, and keep every attempt within the call's deadline and the retry budget.
 *
 * Retry rules (as gRPC's transparent retries and Finagle's RequeueFilter): a failure that says the request did
 * not run (`mayHaveExecuted` false: refused, overloaded, unreachable) may be retried for any call; a failure
 * after the request may have run is retried only for idempotent calls. Retries go to a peer not yet tried.
 */
import { RpcError } from '../errors.js'
import { batchMonoNow, batchWallNow } from '../batch-clock.js'
import type { Balancer, FailureKind, Strategy } from '@peercall/balancer'
import type { Candidate } from '@peercall/balancer'
import type { RequestOptions } from '../wire/frames.js'
import type { Metadata } from '../wire/metadata.js'
import type { CallSink } from '../wire/session.js'

/** Attempts after the first for an idempotent call that names no `retries` (gRPC's default retry policy allows up to 5 attempts; Finagle budgets them). */
export const DEFAULT_RETRIES = 2
/** Attempts after the first for a call whose earlier attempts surely did not run (transparent retry). */
export const TRANSPARENT_RETRIES = 2

export interface RouteRequest {
  service: string
  method: string
  args: unknown[]
  strategy: Strategy
  key: string | undefined
  idempotent: boolean
  retries: number | undefined
  hedgeAfterMs: number | undefined
  /** Per-attempt deadline; default: an equal share of what is left per attempt left (idempotent calls). */
  attemptTimeoutMs: number | undefined
  /** Absolute deadline, ms since the epoch; undefined: none. */
  deadline: number | undefined
  /** Date.now() when the caller sent the call, if it read it: the first attempt's time left counts from it. */
  sentAt?: number
  signal: AbortSignal | undefined
  /** Headers sent with every attempt. */
  meta: Metadata | undefined
  onTrailers: ((trailers: Metadata) => void) | undefined
  /** Input items of a client-streaming call. */
  input?: AsyncIterable<unknown>
  /** Told when the call fails in the end (after its retries), before its promise rejects. */
  onFail?: () => void
  ordered: boolean
  callId: string | undefined
}

export interface RouterDeps {
  balancer: Balancer
  /** The peers that may take a call to `service` (those that have `method`, when it is given and known). */
  candidates: (service: string, method?: string) => Candidate[]
  /** Why a call that found no candidate cannot be routed, when there is more to say than UNAVAILABLE. */
  unroutable?: (req: RouteRequest) => RpcError | undefined
  /**
   * One attempt at one peer. It adds the time spent opening a connection to `info.connectMs`, which is left out
   * of the latency the balancer learns (a first call's dial is not the peer's service time). Given a `sink`, it
   * may answer undefined and tell the sink the attempt's outcome instead of answering a promise.
   */
  attempt: (peer: string, req: RouteRequest, timeoutMs: number | undefined, signal: AbortSignal | undefined, opts: RequestOptions | undefined, info: AttemptInfo,
    sink?: CallSink) => Promise<unknown> | undefined
  onRetry?: (req: RouteRequest, peer: string, err: RpcError) => void
  onHedge?: (req: RouteRequest, peer: string) => void
}

export interface AttemptInfo {
  connectMs: number
}

interface Attempt {
  peer: string
  info: AttemptInfo
  /** only for attempts that may be raced by a hedge */
  controller: AbortController | undefined
  started: number
  done: boolean
  /** sent while an earlier attempt was still out */
  hedge: boolean
  /** hedged at once (the balancer's probe of a slow peer): runs to its end even when another attempt answers */
  probe: boolean
}

export function failureKind (err: RpcError): FailureKind {
  switch (err.code) {
    case 'DEADLINE_EXCEEDED': return 'timeout'
    case 'OVERLOADED': return 'overloaded'
    case 'CANCELLED': return 'cancelled'
    case 'REMOTE': case 'INVALID_ARGUMENT': case 'NOT_FOUND': case 'PERMISSION_DENIED': return 'remote'
    default: return 'transport'
  }
}

/**
 * Whether the attempt failed before its request left this peer, or was refused unrun by a peer that is shutting
 * down (`UNAVAILABLE` that surely did not execute: no connection, dial refused, connection closing). Such an
 * attempt does not use up the call's attempts (gRPC's transparent retries of RPCs that never left the client) nor
 * the retry budget: the next candidate is tried, bounded by the untried candidates and the deadline. Without
 * this, a caller that cannot reach most hosts (a partition not yet detected) fails calls that a reachable host
 * could serve.
 */
export function neverSent (err: RpcError): boolean {
  return err.code === 'UNAVAILABLE' && !err.mayHaveExecuted
}

/**
 * Whether another attempt may follow this failure, decided on the error's code and flags (which cross the wire),
 * never on its text: a failure that surely did not run may be retried when its code is retryable; one that may
 * have run, only for an idempotent call.
 */
export function mayRetry (err: RpcError, idempotent: boolean): boolean {
  if (err.code === 'CANCELLED') return false
  // NOT_FOUND: that host lacks the service or the method; another host may have it
  if (!err.mayHaveExecuted) return err.retryable || err.code === 'NOT_FOUND'
  return idempotent && err.retryable
}

/** Routes one call: its answer, or the error of its last attempt once no other may follow. */
export function routedCall (deps: RouterDeps, req: RouteRequest): Promise<unknown> {
  return route(deps, req.service, req.method, req.args, req.strategy, req.key, req.idempotent, req.retries, req.hedgeAfterMs, req.attemptTimeoutMs,
    req.deadline, req.sentAt, req.signal, req.meta, req.onTrailers, req.input, req.onFail, req.ordered, req.callId)
}

/**
 * `routedCall` with the request's fields as arguments (the caller's path): the call object is the request, so a
 * call makes one object, its promise and the promise's two functions.
 */
export function route (deps: RouterDeps, service: string, method: string, args: unknown[], strategy: Strategy, key: string | undefined, idempotent: boolean,
  retries: number | undefined, hedgeAfterMs: number | undefined, attemptTimeoutMs: number | undefined, deadline: number | undefined, sentAt: number | undefined,
  signal: AbortSignal | undefined, meta: Metadata | undefined, onTrailers: ((trailers: Metadata) => void) | undefined, input: AsyncIterable<unknown> | undefined,
  onFail: (() => void) | undefined, ordered: boolean, callId: string | undefined): Promise<unknown> {
  deps.balancer.onCall()
  const call = new RoutedCall(deps, service, method, args, strategy, key, idempotent, retries, hedgeAfterMs, attemptTimeoutMs, deadline, sentAt, signal, meta,
    onTrailers, input, onFail, ordered, callId)
  const { promise, resolve, reject } = Promise.withResolvers<unknown>()
  call.resolve = resolve
  call.reject = reject
  try {
    // a call that no hedge races and no signal cancels has one attempt out at a time: the call itself is that
    // attempt's sink (no promise, callbacks or object per attempt)
    if (!call.canHedge && signal === undefined) call.startChained()
    else call.start()
  } catch (err) {
    reject(err)
  }
  return promise
}

/**
 * The state of one routed call, which is also its request (what each attempt sends): its attempts, retries and
 * hedge timer. One object per call with its methods on the prototype, so a call makes no closures beyond its
 * attempts' two callbacks (none when it is chained: it is then its one attempt's sink and info).
 */
class RoutedCall implements CallSink, RouteRequest {
  resolve: (value: unknown) => void = ignore
  reject: (err: unknown) => void = ignore
  private readonly deps: RouterDeps
  // the request (RouteRequest)
  readonly service: string
  readonly method: string
  readonly args: unknown[]
  readonly strategy: Strategy
  readonly key: string | undefined
  readonly idempotent: boolean
  readonly retries: number | undefined
  readonly hedgeAfterMs: number | undefined
  readonly attemptTimeoutMs: number | undefined
  readonly deadline: number | undefined
  readonly sentAt: number | undefined
  readonly signal: AbortSignal | undefined
  readonly meta: Metadata | undefined
  readonly onTrailers: ((trailers: Metadata) => void) | undefined
  readonly input: AsyncIterable<unknown> | undefined
  readonly onFail: (() => void) | undefined
  readonly ordered: boolean
  readonly callId: string | undefined
  /** Peers tried so far, made at the second attempt (most calls have one); the pick excludes them. */
  exclude: Set<string> | undefined = undefined
  // the call is also its own PickRequest (no object per pick): strategy, key, service, mayProbe and exclude
  readonly mayProbe: boolean
  /** The first attempt's peer. */
  private first: string | undefined = undefined
  private readonly maxAttempts: number
  /** A keyed 'hash' call stays with the key's owner: hedged only when the caller names hedgeAfterMs. */
  readonly canHedge: boolean
  private readonly opts: RequestOptions | undefined
  private attempts = 0
  /** Attempts that never reached a handler (`neverSent`): they do not count against `maxAttempts`. */
  private unsent = 0
  private lastError: RpcError | undefined = undefined
  /** The attempts still out (more than one only while hedging); a chained call has none. */
  private active: Attempt[] = NO_ATTEMPTS
  private settled = false
  private hedgeTimer: ReturnType<typeof setTimeout> | undefined = undefined
  private onAbort: (() => void) | undefined = undefined
  /** The peer of the last pick (pick's other result): a chained call's current attempt's peer. */
  private peer = ''
  /** A chained call's current attempt's start (batchMonoNow) and time spent opening a connection (its AttemptInfo), ms. */
  private started = 0
  connectMs = 0

  constructor (deps: RouterDeps, service: string, method: string, args: unknown[], strategy: Strategy, key: string | undefined, idempotent: boolean,
    retries: number | undefined, hedgeAfterMs: number | undefined, attemptTimeoutMs: number | undefined, deadline: number | undefined, sentAt: number | undefined,
    signal: AbortSignal | undefined, meta: Metadata | undefined, onTrailers: ((trailers: Metadata) => void) | undefined, input: AsyncIterable<unknown> | undefined,
    onFail: (() => void) | undefined, ordered: boolean, callId: string | undefined) {
    this.deps = deps
    this.service = service
    this.method = method
    this.args = args
    this.strategy = strategy
    this.key = key
    this.idempotent = idempotent
    this.retries = retries
    this.hedgeAfterMs = hedgeAfterMs
    this.attemptTimeoutMs = attemptTimeoutMs
    this.deadline = deadline
    this.sentAt = sentAt
    this.signal = signal
    this.meta = meta
    this.onTrailers = onTrailers
    this.input = input
    this.onFail = onFail
    this.ordered = ordered
    this.callId = callId
    this.maxAttempts = 1 + (idempotent ? (retries ?? DEFAULT_RETRIES) : (retries ?? TRANSPARENT_RETRIES))
    this.canHedge = idempotent && !ordered && (strategy !== 'hash' || key === undefined || hedgeAfterMs !== undefined)
    this.mayProbe = this.canHedge && hedgeAfterMs === undefined
    this.opts = callId !== undefined || ordered
      ? { ...(callId !== undefined ? { callId } : {}), ...(ordered ? { ordered: true, key: key ?? '' } : {}) }
      : undefined
  }

  start (): void {
    const req = this
    if (req.signal !== undefined) {
      const onAbort = this.onAbort = (): void => {
        this.finish(new RpcError('CANCELLED', `${req.service}.${req.method}: cancelled`, { service: req.service, method: req.method, mayHaveExecuted: this.attempts > 0 }))
      }
      if (req.signal.aborted) { onAbort(); return }
      req.signal.addEventListener('abort', onAbort, { once: true })
    }
    // No timer of its own for the call's deadline: every attempt is given at most the time left (the session's
    // per-request timer enforces it), and no attempt starts after the deadline, so the last attempt's end is the
    // call's end at the latest. One timer per call instead of two.
    if (!this.launch(false)) {
      this.finish(this.lastError ?? this.deps.unroutable?.(req) ?? new RpcError('UNAVAILABLE', `${req.service}.${req.method}: no live peer hosts service ${req.service}`, { service: req.service, method: req.method, mayHaveExecuted: false }))
    }
  }

  /**
   * Starts a call that is neither hedged nor cancellable: one attempt at a time, whose outcome comes to the call
   * itself (`answer`, `fail`).
   */
  startChained (): void {
    const req = this
    if (this.launchChained()) return
    req.onFail?.()
    this.reject(this.lastError ?? this.deps.unroutable?.(req) ?? new RpcError('UNAVAILABLE', `${req.service}.${req.method}: no live peer hosts service ${req.service}`, { service: req.service, method: req.method, mayHaveExecuted: false }))
  }

  /** One attempt of a chained call; false when none can start (no candidate left, deadline passed). */
  private launchChained (): boolean {
    const timeoutMs = this.pick()
    if (timeoutMs === undefined) return false
    // one attempt at a time: the call itself carries the attempt's start and connect time (no object per attempt)
    this.started = batchMonoNow()
    this.connectMs = 0
    this.deps.balancer.onStart(this.peer)
    const answer = this.deps.attempt(this.peer, this, timeoutMs === Infinity ? undefined : timeoutMs, undefined, this.opts, this, this)
    // an attempt that did not take the sink (this peer's own pipeline, a dial, a request refused at once)
    if (answer !== undefined) answer.then(value => { this.answer(value) }, (e: unknown) => { this.fail(e) })
    return true
  }

  /** The chained attempt answered (CallSink). */
  answer (value: unknown): void {
    ANSWERED.latencyMs = batchMonoNow() - this.started - this.connectMs
    this.deps.balancer.onEnd(this.peer, ANSWERED)
    this.resolve(value)
  }

  /** The chained attempt failed (CallSink): the next attempt, or the call's error. */
  fail (e: unknown): void {
    const peer = this.peer
    const err = e instanceof RpcError ? e : new RpcError('INTERNAL', String((e as Error)?.message ?? e), { peer, cause: e })
    this.deps.balancer.onEnd(peer, { latencyMs: batchMonoNow() - this.started, ok: false, failureKind: failureKind(err) })
    this.lastError = err
    if (neverSent(err)) this.unsent++
    const req = this
    if (this.spent() < this.maxAttempts && mayRetry(err, req.idempotent) && (neverSent(err) || this.deps.balancer.retryBudget.tryWithdraw())) {
      if (this.launchChained()) {
        this.deps.onRetry?.(req, err.peer ?? '', err)
        return
      }
    }
    req.onFail?.()
    this.reject(err.service === undefined ? err.with({ service: req.service, method: req.method }) : err)
  }

  /**
   * Picks the next attempt's peer (into `peer`) and its time budget: ms, Infinity for none, or undefined when no
   * attempt can start (no candidate left; the deadline has passed, then `lastError` says so).
   */
  private pick (): number | undefined {
    const deps = this.deps
    const req = this
    if (this.first !== undefined && this.exclude === undefined) this.exclude = new Set([this.first])
    const peer = deps.balancer.pick(deps.candidates(req.service, req.method), this)
    if (peer === undefined) return undefined
    if (this.exclude !== undefined) this.exclude.add(peer)
    else this.first = peer
    this.attempts++
    const remaining = req.deadline === undefined ? Infinity : req.deadline - (this.attempts === 1 && req.sentAt !== undefined ? req.sentAt : batchWallNow())
    if (remaining <= 0) {
      this.lastError ??= new RpcError('DEADLINE_EXCEEDED', `${req.service}.${req.method}: deadline exceeded after ${this.attempts - 1} attempt(s)`, { service: req.service, method: req.method, mayHaveExecuted: this.attempts > 1 })
      return undefined
    }
    const attemptsLeft = Math.max(1, this.maxAttempts - this.spent() + 1)
    const share = req.attemptTimeoutMs ?? (req.idempotent && attemptsLeft > 1 ? remaining / attemptsLeft : remaining)
    this.peer = peer
    return share === Infinity ? Infinity : Math.max(1, Math.round(Math.min(share, remaining)))
  }

  private spent (): number {
    return this.attempts - this.unsent
  }

  private finish (err: RpcError | undefined, value?: unknown): void {
    if (this.settled) return
    this.settled = true
    if (this.hedgeTimer !== undefined) clearTimeout(this.hedgeTimer)
    if (this.onAbort !== undefined) this.signal?.removeEventListener('abort', this.onAbort)
    for (const a of this.active) {
      if (a.probe && err === undefined) continue // its own handlers report its end to the balancer
      if (!a.done) {
        a.done = true
        a.controller?.abort(new RpcError('CANCELLED', 'another attempt answered first'))
        this.deps.balancer.onEnd(a.peer, { latencyMs: batchMonoNow() - a.started, ok: false, failureKind: 'cancelled', hedge: a.hedge })
      }
    }
    this.active.length = 0
    if (err !== undefined) {
      this.onFail?.()
      this.reject(err)
    } else {
      this.resolve(value)
    }
  }

  private launch (hedge: boolean): boolean {
    const { deps, canHedge } = this
    const req = this
    const balancer = deps.balancer
    const budget = this.pick()
    if (budget === undefined) return false
    const peer = this.peer
    const timeoutMs = budget === Infinity ? undefined : budget
    // an attempt that another may race (a hedge) needs its own cancellation; otherwise the caller's signal is enough
    const controller = canHedge ? new AbortController() : undefined
    const a: Attempt = { peer, info: { connectMs: 0 }, controller, started: batchMonoNow(), done: false, hedge, probe: canHedge && req.hedgeAfterMs === undefined && balancer.hedgeDelayMs(peer) === 0 }
    if (this.active === NO_ATTEMPTS) this.active = []
    this.active.push(a)
    balancer.onStart(peer)
    if (hedge) deps.onHedge?.(req, peer)
    // given no sink, an attempt answers a promise
    ;(deps.attempt(peer, req, timeoutMs, controller?.signal ?? req.signal, this.opts, a.info) as Promise<unknown>).then(
      value => { this.answered(a, value) },
      (e: unknown) => { this.failed(a, e) }
    )
    this.armHedge(a)
    return true
  }

  private drop (a: Attempt): void {
    const i = this.active.indexOf(a)
    if (i >= 0) this.active.splice(i, 1)
  }

  private answered (a: Attempt, value: unknown): void {
    if (a.done) return
    a.done = true
    this.drop(a)
    const ms = batchMonoNow() - a.started - a.info.connectMs
    this.deps.balancer.onEnd(a.peer, { latencyMs: ms, ok: true, hedge: a.hedge })
    this.finish(undefined, value)
  }

  private failed (a: Attempt, e: unknown): void {
    if (a.done) return
    a.done = true
    this.drop(a)
    const err = e instanceof RpcError ? e : new RpcError('INTERNAL', String((e as Error)?.message ?? e), { peer: a.peer, cause: e })
    this.deps.balancer.onEnd(a.peer, { latencyMs: batchMonoNow() - a.started, ok: false, failureKind: failureKind(err) })
    this.lastError = err
    if (neverSent(err)) this.unsent++
    this.onFailure(err)
  }

  private onFailure (err: RpcError): void {
    if (this.settled) return
    if (this.active.length > 0) return // a hedge is still running: let it answer
    const req = this
    // an unsent attempt put no load on any host, so its retry is not taken from the retry budget (which exists
    // to stop retry storms from overloading hosts); it is bounded by the untried candidates and the deadline
    if (this.spent() < this.maxAttempts && mayRetry(err, req.idempotent) && (neverSent(err) || this.deps.balancer.retryBudget.tryWithdraw())) {
      if (this.launch(false)) {
        this.deps.onRetry?.(req, err.peer ?? '', err)
        return
      }
    }
    this.finish(err.service === undefined ? err.with({ service: req.service, method: req.method }) : err)
  }

  private armHedge (a: Attempt): void {
    if (!this.canHedge || this.settled || this.spent() >= this.maxAttempts) return
    if (this.hedgeTimer !== undefined) clearTimeout(this.hedgeTimer)
    const balancer = this.deps.balancer
    const delay = this.hedgeAfterMs ?? (a.probe ? 0 : balancer.hedgeDelayMs(a.peer))
    if (delay === undefined) return
    this.hedgeTimer = setTimeout(() => {
      this.hedgeTimer = undefined
      if (this.settled || this.spent() >= this.maxAttempts) return
      // a probe's hedge is not taken from the budget: probes are bounded by the balancer (one per slow peer per second)
      if (!a.probe && !balancer.hedging.tryAcquire()) return
      this.launch(true)
    }, delay)
  }
}

function ignore (): void {}

/** The `active` of a call that never had two attempts out at once (shared: never added to). */
const NO_ATTEMPTS: Attempt[] = []

/** The outcome of a chained attempt that answered, reused: the balancer reads it within onEnd only. */
const ANSWERED = { latencyMs: 0, ok: true, hedge: false }
