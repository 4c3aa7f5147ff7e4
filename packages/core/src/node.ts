/**
 * The peer that applications embed: serves registered services, routes calls to the peers that host them, and
 * keeps its membership record (services, idempotent methods, load) current.
 */
import { randomUUID } from 'node:crypto'
import { logger } from '@libp2p/logger'
import { multiaddr } from '@multiformats/multiaddr'
import { IDEMPOTENT_META_PREFIX, ClusterView } from './cluster.js'
import { ServerCall, deadlineError } from './context.js'
import { DedupCache } from './dedup.js'
import * as D from './defaults.js'
import { RpcError, describeThrown } from './errors.js'
import { HybridClock } from './hlc.js'
import { LoadMeter } from './load.js'
import { OrderedQueues } from './ordering.js'
import { SessionPool } from './pool.js'
import { Registry } from './registry.js'
import { routedCall } from './router.js'
import { PeerAllowlist } from './security/allowlist.js'
import { permissionDenied } from './security/authorize.js'
import { startHttp } from './dashboard/server.js'
import { createMetrics } from './metrics.js'
import { waitForServices } from './client/wait.js'
import { balanceError } from './client/balance.js'
import { methodsMeta, missingMethodError } from './client/methods.js'
import type { WaitForServicesOptions } from './client/wait.js'
import type { CallOptions, CallRecord, Member, NodeOptions, PeercallNode, ServiceProxy, NodeLimits, NodeStats } from './index.js'
import type { HttpHandle } from './dashboard/server.js'
import type { NodeMetrics } from './metrics.js'
import type { RegisterOptions, ServiceImpl } from './registry.js'
import type { AttemptInfo, RouteRequest, RouterDeps } from './router.js'
import type { RequestMeta } from './messages.js'
import type { Session } from './session.js'
import type { Libp2p } from '@libp2p/interface'
import type { Balancer, PeerStats, ScalingAdvice } from '@peercall/balancer'
import type { Membership, Member as MembershipMember } from '@peercall/membership'

const log = logger('peercall:core')

/** Bootstrap dial attempts per address, and the first back-off between them, ms. */
const BOOTSTRAP_ATTEMPTS = 5
const BOOTSTRAP_BACKOFF_MS = 200
/** How often service health checks run, ms (Kubernetes' default probe period is 10 s; a cluster RPC layer wants faster). */
export const HEALTH_INTERVAL_MS = 1000

const MEMBER_EVENTS = ['member:join', 'member:update', 'member:suspect', 'member:dead', 'member:leave'] as const

export class Node extends EventTarget implements PeercallNode {
  readonly libp2p: Libp2p
  readonly clock: HybridClock
  readonly cluster: string
  readonly membership: Membership
  readonly balancer: Balancer
  private readonly registry = new Registry()
  private readonly pool: SessionPool
  private readonly view: ClusterView
  private readonly meter = new LoadMeter()
  private readonly dedup = new DedupCache()
  private readonly ordered = new OrderedQueues()
  private readonly defaultTimeoutMs: number
  private readonly drainTimeoutMs: number
  private readonly bootstrap: string[]
  private readonly proxies = new Map<string, ServiceProxy<any>>()
  private readonly unhealthy = new Set<string>()
  private readonly counters = { calls: 0, failures: 0, retries: 0, hedges: 0 }
  private healthTimer: ReturnType<typeof setInterval> | undefined
  private stopping: Promise<void> | undefined
  private readonly localId: string
  /** Peers allowed to call here and to be routed to (`allowPeers`); undefined: anyone. */
  private readonly allow: PeerAllowlist | undefined
  private readonly allowedCandidates = new WeakMap<object, any[]>()
  /** Told of every call made or served here (metrics, dashboard); empty costs nothing per call. */
  private readonly callObservers = new Set<(record: CallRecord) => void>()
  private readonly httpOptions: NodeOptions['http']
  /** Metadata given in `membership.meta` (e.g. `role: client`), kept under the entries of the services. */
  private readonly baseMeta: Record<string, string>
  private http: HttpHandle | undefined
  /** Prometheus metrics, when `http` or `metrics: true` was given. */
  readonly metrics: NodeMetrics | undefined
  /** What the router needs, built once (not per call): by ring order for 'hash', any order otherwise. */
  private readonly routerDeps: RouterDeps
  private readonly hashDeps: RouterDeps

  constructor (libp2p: Libp2p, membership: Membership, balancer: Balancer, options: NodeOptions) {
    super()
    this.libp2p = libp2p
    this.membership = membership
    this.balancer = balancer
    this.localId = libp2p.peerId.toString()
    this.cluster = options.cluster ?? D.DEFAULT_CLUSTER
    this.clock = new HybridClock()
    this.defaultTimeoutMs = options.timeoutMs ?? D.DEFAULT_TIMEOUT_MS
    this.drainTimeoutMs = options.drainTimeoutMs ?? D.DRAIN_TIMEOUT_MS
    this.bootstrap = options.bootstrap ?? []
    this.allow = options.allowPeers !== undefined ? new PeerAllowlist(options.allowPeers, this.localId) : undefined
    this.httpOptions = options.http
    this.baseMeta = { ...options.membership?.meta }
    const limits: Required<NodeLimits> = {
      maxFrameSize: options.limits?.maxFrameSize ?? D.MAX_FRAME_SIZE,
      maxInflight: options.limits?.maxInflight ?? D.MAX_INFLIGHT_PER_PEER,
      maxDepth: options.limits?.maxDepth ?? D.MAX_DECODE_DEPTH,
      maxPendingWriteBytes: options.limits?.maxPendingWriteBytes ?? D.MAX_PENDING_WRITE_BYTES,
      maxStreamsPerPeer: options.limits?.maxStreamsPerPeer ?? D.MAX_RPC_STREAMS_PER_PEER,
      idleStreamTimeoutMs: options.limits?.idleStreamTimeoutMs ?? D.RPC_IDLE_TIMEOUT_MS,
      firstFrameTimeoutMs: options.limits?.firstFrameTimeoutMs ?? D.RPC_FIRST_FRAME_TIMEOUT_MS,
      writeStallTimeoutMs: options.limits?.writeStallTimeoutMs ?? D.WRITE_STALL_TIMEOUT_MS
    }
    this.pool = new SessionPool(libp2p, {
      ...limits,
      clock: this.clock,
      dispatch: (call, args) => this.serve(call, args),
      log
    })
    this.view = new ClusterView(membership, {
      peerId: this.localId,
      hosts: service => this.registry.has(service) && !this.unhealthy.has(service) && this.stopping === undefined,
      hasMethod: (service, method) => this.registry.get(service)?.methods.has(method) === true,
      load: () => this.meter.snapshot(),
      idempotent: (service, method) => this.registry.get(service)?.idempotent.has(method)
    })
    const routeDeps = (ring: boolean): RouterDeps => ({
      balancer: this.balancer,
      candidates: (s, m) => this.allowed(this.view.candidates(s, ring, m)),
      unroutable: r => missingMethodError(this.members(), r.service, r.method),
      attempt: (peer, r, ms, signal, meta, info) => this.attemptAt(peer, r.service, r.method, r.args, ms, signal, meta, info),
      onRetry: () => { this.counters.retries++ },
      onHedge: () => { this.counters.hedges++ }
    })
    this.routerDeps = routeDeps(false)
    this.hashDeps = routeDeps(true)
    for (const type of MEMBER_EVENTS) {
      membership.addEventListener(type, (e: CustomEvent<MembershipMember>) => {
        if (type === 'member:dead' || type === 'member:leave') this.balancer.forget(e.detail.peerId)
        this.dispatchEvent(new CustomEvent(type, { detail: toMember(e.detail) }))
      })
    }
    // A peer ejected for failures (e.g. it could not be reached across a partition) is reinstated when a connection
    // to it comes up again: otherwise a healed peer that membership never declared dead (a short or flapping cut)
    // would wait out its ejection (30 s and more) before taking calls again.
    libp2p.addEventListener('peer:connect', (e: CustomEvent<{ toString: () => string }>) => {
      const id = e.detail.toString()
      if (this.balancer.stats(id).state !== 'healthy') this.balancer.forget(id)
    })
    this.metrics = options.metrics === true || (options.metrics !== false && options.http !== undefined) ? createMetrics(this) : undefined
  }

  /** URL of the dashboard (and `/metrics`) when `http` was given and the node runs. */
  get httpUrl (): string | undefined {
    return this.http?.url
  }

  /** Calls `fn` as each call made or served here ends; returns the unsubscribe. */
  observeCalls (fn: (record: CallRecord) => void): () => void {
    this.callObservers.add(fn)
    return () => { this.callObservers.delete(fn) }
  }

  private notify (record: CallRecord): void {
    for (const fn of this.callObservers) {
      try { fn(record) } catch (err) { log.error('call observer failed: %s', (err as Error).message) }
    }
  }

  /** Reports `p`'s outcome to the call observers, if any. */
  private watch<T> (p: Promise<T>, side: CallRecord['side'], service: string, method: string): Promise<T> {
    if (this.callObservers.size === 0) return p
    const start = performance.now()
    p.then(
      () => { this.notify({ side, service, method, code: 'OK', durationMs: performance.now() - start }) },
      err => { this.notify({ side, service, method, code: err instanceof RpcError ? err.code : side === 'server' ? 'REMOTE' : 'INTERNAL', durationMs: performance.now() - start }) }
    )
    return p
  }

  get peerId (): string {
    return this.localId
  }

  get multiaddrs (): string[] {
    return this.libp2p.getMultiaddrs().map(ma => ma.toString())
  }

  async start (): Promise<void> {
    await this.pool.start()
    if (this.httpOptions !== undefined) this.http = await startHttp(this, this.httpOptions)
    try {
      await this.membership.start()
    } catch (err) {
      await this.http?.close()
      throw err
    }
    await Promise.all(this.bootstrap.map(async addr => { await this.dialBootstrap(addr) }))
    this.healthTimer = setInterval(() => { void this.checkHealth() }, HEALTH_INTERVAL_MS)
    this.healthTimer.unref()
  }

  private async dialBootstrap (addr: string): Promise<void> {
    let backoff = BOOTSTRAP_BACKOFF_MS
    for (let attempt = 1; attempt <= BOOTSTRAP_ATTEMPTS; attempt++) {
      try {
        await this.libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(D.DIAL_TIMEOUT_MS) })
        return
      } catch (err) {
        log('bootstrap dial %s attempt %d failed: %s', addr, attempt, (err as Error).message)
        if (attempt === BOOTSTRAP_ATTEMPTS || this.stopping !== undefined) {
          log.error('cannot reach bootstrap peer %s: %s', addr, (err as Error).message)
          return
        }
        await new Promise(resolve => setTimeout(resolve, backoff))
        backoff *= 2
      }
    }
  }

  // ---------------------------------------------------------------- services

  register (name: string, impl: ServiceImpl, options?: RegisterOptions): void {
    this.registry.register(name, impl, options)
    this.publishServices()
  }

  unregister (name: string): boolean {
    const removed = this.registry.unregister(name)
    this.unhealthy.delete(name)
    if (removed) this.publishServices()
    return removed
  }

  services (): string[] {
    return this.registry.names()
  }

  /** Gossips the services this peer takes calls for (healthy, and none while stopping) and their idempotent methods. */
  private publishServices (): void {
    this.view.invalidate()
    const names = this.stopping !== undefined ? [] : this.registry.names().filter(n => !this.unhealthy.has(n))
    const meta: Record<string, string> = { ...this.baseMeta }
    for (const n of names) {
      const idem = [...(this.registry.get(n)?.idempotent ?? [])]
      if (idem.length > 0) meta[IDEMPOTENT_META_PREFIX + n] = idem.join(',')
    }
    Object.assign(meta, methodsMeta(names.flatMap(n => { const e = this.registry.get(n); return e === undefined ? [] : [{ name: n, methods: e.methods.keys(), private: e.authorize !== undefined }] })))
    this.membership.setServices(names)
    this.membership.setMeta(meta)
  }

  private async checkHealth (): Promise<void> {
    let changed = false
    for (const name of this.registry.names()) {
      const health = this.registry.get(name)?.health
      if (health === undefined) continue
      let ok: boolean
      try {
        ok = await Promise.race([Promise.resolve(health()), new Promise<boolean>(resolve => setTimeout(() => { resolve(false) }, HEALTH_INTERVAL_MS).unref())])
      } catch {
        ok = false
      }
      if (ok === this.unhealthy.has(name)) {
        changed = true
        if (ok) this.unhealthy.delete(name)
        else this.unhealthy.add(name)
        log('service %s is now %s', name, ok ? 'healthy' : 'unhealthy')
      }
    }
    if (changed) this.publishServices()
  }

  /** Serves one call, from a remote peer or from this one: ordering, idempotency, load accounting. */
  private serve (call: ServerCall, args: unknown[]): unknown {
    // the gater keeps others out already; checked again per call, as it costs one set lookup
    if (this.allow !== undefined && !this.allow.has(call.peer)) throw permissionDenied(call, 'not on the allowlist')
    const run = (): unknown => {
      const started = this.meter.start()
      let out: unknown
      try {
        out = this.registry.invoke(call, args)
      } catch (err) {
        this.meter.end(started)
        throw err
      }
      if (out !== null && typeof out === 'object' && typeof (out as PromiseLike<unknown>).then === 'function') {
        return Promise.resolve(out).finally(() => { this.meter.end(started) })
      }
      this.meter.end(started)
      return out
    }
    const once = call.callId === undefined
      ? run
      : () => this.dedup.run(call.peer, call.callId as string, run, err => !(err instanceof RpcError) || err.mayHaveExecuted)
    if (this.callObservers.size === 0) return call.ordered ? this.ordered.run(call.peer, call.key ?? '', once) : once()
    let out: unknown
    try {
      out = call.ordered ? this.ordered.run(call.peer, call.key ?? '', once) : once()
    } catch (err) {
      this.watch(Promise.reject(err), 'server', call.service, call.method).catch(() => {})
      throw err
    }
    this.watch(Promise.resolve(out), 'server', call.service, call.method).catch(() => {})
    return out
  }

  // ---------------------------------------------------------------- calls

  service<T extends object> (name: string, defaults: CallOptions = {}): ServiceProxy<T> {
    const plain = Object.keys(defaults).length === 0
    const cached = plain ? this.proxies.get(name) : undefined
    if (cached !== undefined) return cached as ServiceProxy<T>
    const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>()
    const proxy = new Proxy({}, {
      get: (_target, prop) => {
        // `then` must be absent so that `await node.service(...)` does not treat the proxy as a promise
        if (typeof prop !== 'string' || prop === 'then') return undefined
        let fn = methods.get(prop)
        if (fn === undefined) {
          fn = (...args: unknown[]) => this.call(name, prop, args, defaults)
          methods.set(prop, fn)
        }
        return fn
      }
    }) as ServiceProxy<T>
    if (plain) this.proxies.set(name, proxy)
    return proxy
  }

  call<R = unknown> (service: string, method: string, args: unknown[] = [], options: CallOptions = {}): Promise<R> {
    if (this.stopping !== undefined) {
      return Promise.reject(new RpcError('UNAVAILABLE', `${service}.${method}: this peer is stopping`, { service, method, mayHaveExecuted: false }))
    }
    if (!Array.isArray(args)) {
      return Promise.reject(new RpcError('INVALID_ARGUMENT', `${service}.${method}: args must be an array`, { service, method, mayHaveExecuted: false }))
    }
    const badBalance = balanceError(service, method, options.balance)
    if (badBalance !== undefined) return Promise.reject(badBalance)
    this.counters.calls++
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs
    if (options.peer !== undefined) {
      const target = this.normalisePeer(options.peer)
      const meta: RequestMeta | undefined = options.ordered === true || options.callId !== undefined
        ? { ...(options.callId !== undefined ? { callId: options.callId } : {}), ...(options.ordered === true ? { ordered: true, key: options.key ?? '' } : {}) }
        : undefined
      return this.watch(this.attemptAt(target, service, method, args, timeoutMs, options.signal, meta) as Promise<R>, 'client', service, method)
    }
    const ordered = options.ordered === true
    const idempotent = options.idempotent ?? this.view.idempotent(service, method)
    const maxRetries = options.retries ?? undefined
    const req: RouteRequest = {
      service,
      method,
      args,
      strategy: ordered && options.balance === undefined ? 'hash' : (options.balance ?? 'p2c'),
      key: options.key,
      idempotent,
      retries: maxRetries,
      hedgeAfterMs: options.hedgeAfterMs,
      attemptTimeoutMs: options.attemptTimeoutMs,
      deadline: Date.now() + timeoutMs,
      signal: options.signal,
      ordered,
      // a call id lets the server run a call once however many attempts reach it: needed only where one logical
      // call may run twice (the retries and hedges of an idempotent call); a non-idempotent call is retried only
      // when it surely did not run
      callId: options.callId ?? (idempotent ? randomUUID() : undefined)
    }
    const p = routedCall(req.strategy === 'hash' ? this.hashDeps : this.routerDeps, req) as Promise<R>
    p.catch(() => { this.counters.failures++ })
    return this.watch(p, 'client', service, method)
  }

  /** One attempt at one peer (this one included), with no routing. */
  private attemptAt (peer: string, service: string, method: string, args: unknown[], timeoutMs: number, signal: AbortSignal | undefined, meta: RequestMeta | undefined, info?: AttemptInfo): Promise<unknown> {
    if (peer === this.localId) return this.callLocal(service, method, args, timeoutMs, signal, meta)
    const session = this.pool.get(peer)
    if (session !== undefined) return session.request(service, method, args, { timeoutMs, signal, meta })
    return this.callAfterDial(peer, service, method, args, timeoutMs, signal, meta, info)
  }

  private async callAfterDial (peer: string, service: string, method: string, args: unknown[], timeoutMs: number, signal: AbortSignal | undefined, meta: RequestMeta | undefined, info?: AttemptInfo): Promise<unknown> {
    const start = performance.now()
    const dialSignal = AbortSignal.any([AbortSignal.timeout(Math.min(timeoutMs, D.DIAL_TIMEOUT_MS)), ...(signal !== undefined ? [signal] : [])])
    let session: Session
    try {
      session = await this.pool.open(peer, dialSignal)
    } catch (err) {
      if (signal?.aborted === true) throw new RpcError('CANCELLED', `${service}.${method}: cancelled`, { service, method, peer, mayHaveExecuted: false })
      if (err instanceof RpcError) throw new RpcError(err.code, `${service}.${method}: ${err.message}`, { service, method, peer, mayHaveExecuted: false, retryable: err.retryable, cause: err.cause })
      throw err
    }
    const connectMs = performance.now() - start
    if (info !== undefined) info.connectMs += connectMs
    return await session.request(service, method, args, { timeoutMs: Math.max(1, timeoutMs - connectMs), signal, meta })
  }

  /** A call served by this peer's own registry, with the same context, deadline and error semantics. */
  private async callLocal (service: string, method: string, args: unknown[], timeoutMs: number, signal: AbortSignal | undefined, meta: RequestMeta | undefined): Promise<unknown> {
    const ts = this.clock.tick()
    const call = new ServerCall(this.localId, service, method, timeoutMs > 0 ? Date.now() + timeoutMs : undefined, ts, meta)
    let timer: ReturnType<typeof setTimeout> | undefined
    let onAbort: (() => void) | undefined
    const stopped = new Promise<never>((_resolve, reject) => {
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          const err = deadlineError({ service, method, peer: this.localId })
          call.abort(err)
          reject(err)
        }, timeoutMs)
      }
      if (signal !== undefined) {
        onAbort = () => {
          const err = new RpcError('CANCELLED', `${service}.${method}: cancelled`, { service, method, peer: this.localId, mayHaveExecuted: true })
          call.abort(err)
          reject(err)
        }
        if (signal.aborted) onAbort()
        else signal.addEventListener('abort', onAbort, { once: true })
      }
    })
    try {
      return await Promise.race([Promise.resolve().then(() => this.serve(call, args)), stopped])
    } catch (err) {
      if (err instanceof RpcError) throw err.peer === undefined ? err.with({ peer: this.localId }) : err
      const d = describeThrown(err)
      throw new RpcError('REMOTE', d.message, { peer: this.localId, service, method, remoteName: d.name, data: d.data, mayHaveExecuted: true, cause: err })
    } finally {
      call.finish()
      if (timer !== undefined) clearTimeout(timer)
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort)
    }
  }

  /** A peer option that is this node's own address means this node. */
  private normalisePeer (peer: string): string {
    return peer.startsWith('/') && peer.endsWith(`/p2p/${this.localId}`) ? this.localId : peer
  }

  // ---------------------------------------------------------------- cluster

  /** Resolves once a live peer (this one included) hosts each of `names`; else rejects UNAVAILABLE naming the missing. */
  waitForServices (names: string | string[], options?: WaitForServicesOptions): Promise<void> {
    return waitForServices(this, names, options)
  }

  members (): Member[] {
    const all = this.view.members()
    return (this.allow === undefined ? all : all.filter(m => this.allow?.has(m.peerId) === true)).map(toMember)
  }

  /** `list` without the members that are not on the allowlist (the same array while the list is unchanged). */
  private allowed<C extends { peerId: string }> (list: C[]): C[] {
    if (this.allow === undefined) return list
    let out = this.allowedCandidates.get(list) as C[] | undefined
    if (out === undefined) {
      out = list.filter(c => this.allow?.has(c.peerId) === true)
      this.allowedCandidates.set(list, out)
    }
    return out
  }

  /**
   * The peers that own `key` for `service` on the consistent-hash ring of its hosts: the key's owner and its
   * distinct successors (the replicas), `n` at most. Placement by the ring alone: bounded loads and ejections
   * move where `balance: 'hash'` sends a call along this order, never a key's replica set.
   */
  owners (service: string, key: string, n = Infinity): string[] {
    return this.balancer.successors(this.allowed(this.view.candidates(service, true)), key, service, Number.isFinite(n) ? n : undefined)
  }

  /**
   * Scaling advice from the gossiped load of the members hosting `service` (all live members if omitted):
   * utilisation, a recommended peer count with hysteresis, and the reason in words.
   */
  scalingAdvice (service?: string): ScalingAdvice {
    const now = Date.now()
    const loads = this.view.members()
      .filter(m => (m.state === 'alive' || m.state === 'suspect') && (service === undefined || m.services.includes(service)))
      .map(m => m.self === true
        ? { peerId: m.peerId, ...this.meter.snapshot(), cpu: m.load.cpu, eventLoopDelayMs: m.load.eventLoopDelayMs, at: now }
        : { peerId: m.peerId, inflight: m.load.inflight, latencyMs: m.load.latencyMs, cpu: m.load.cpu, eventLoopDelayMs: m.load.eventLoopDelayMs })
    return this.balancer.advise(loads)
  }

  /** What this node's balancer knows of `peer`: its calls in flight from here, latency, failures, ejection. */
  peerStats (peer: string): PeerStats {
    return this.balancer.stats(peer)
  }

  /** Round-trip time to `peer` over its RPC stream, ms. */
  async ping (peer: string, timeoutMs = 1000): Promise<number> {
    const session = await this.pool.open(peer, AbortSignal.timeout(timeoutMs))
    return await session.ping(timeoutMs)
  }

  /** Peers this node has an RPC stream with. */
  connectedPeers (): string[] {
    return this.pool.peers()
  }

  /** This peer's load as a server, for its membership record. */
  load (): { inflight: number, latencyMs: number } {
    return this.meter.snapshot()
  }

  stats (): NodeStats {
    return {
      ...this.counters,
      inflight: this.meter.inflight,
      served: this.meter.served,
      servedLatencyMs: this.meter.latencyMs,
      dedupHits: this.dedup.hits,
      peers: this.pool.peers().length
    }
  }

  stop (): Promise<void> {
    this.stopping ??= this.doStop()
    return this.stopping
  }

  /**
   * Graceful stop: withdraw every service from the record (callers stop routing here), announce the leave,
   * drain the calls in flight in both directions, close the streams, stop libp2p.
   */
  private async doStop (): Promise<void> {
    if (this.healthTimer !== undefined) clearInterval(this.healthTimer)
    await this.http?.close()
    this.metrics?.close()
    this.publishServices()
    await this.membership.stop().catch(err => { log.error('membership stop failed: %s', (err as Error).message) })
    await this.pool.drain(this.drainTimeoutMs)
    await this.pool.closeAll()
    await this.libp2p.stop()
  }
}

function toMember (m: MembershipMember): Member {
  return {
    peerId: m.peerId,
    addrs: m.addrs,
    state: m.state,
    incarnation: m.incarnation,
    services: m.services,
    load: { inflight: m.load.inflight, latencyMs: m.load.latencyMs, eventLoopDelayMs: m.load.eventLoopDelayMs, cpu: m.load.cpu, memory: m.load.memoryMb },
    meta: m.meta,
    self: m.self === true
  }
}
