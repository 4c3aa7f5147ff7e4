/**
 * The peer that applications embed: serves registered services, routes calls to the peers that host them, and
 * keeps its membership record (services, idempotent methods, load) current.
 */
import { MEMBER_EVENTS } from '@peercall/membership'
import { logger } from '@libp2p/logger'
import { multiaddr } from '@multiformats/multiaddr'
import { Caller } from './client/caller.js'
import { IDEMPOTENT_META_PREFIX, ClusterView } from './client/cluster.js'
import * as D from './defaults.js'
import { RpcError } from './errors.js'
import { HybridClock } from './hlc.js'
import { MAX_CALL_STREAMS_PER_PEER, ServerPipeline } from './server/pipeline.js'
import { Registry } from './server/registry.js'
import { PeerAllowlist } from './security/allowlist.js'
import { EventBus } from './events/bus.js'
import { EVENTS_SERVICE } from './events/names.js'
import { waitForServices } from './client/wait.js'
import { methodsMeta, missingMethodError } from './client/methods.js'
import type { WaitForServicesOptions } from './client/wait.js'
import { SessionPool } from './wire/pool.js'
import { WriteBudget } from '@peercall/membership'
import type { CallOptions, CallRecord, Member, NodeMetrics, NodeOptions, ObservedNode, ServiceProxy, NodeLimits, NodeStats } from './types.js'
import type { Interceptors } from './interceptors.js'
import type { HttpHandle } from './dashboard/server.js'
import type { createMetrics } from './metrics.js'
import type { BroadcastOptions, BroadcastResult, EmitOptions, EmitResult, EventHandler, SubscribeOptions } from './events/types.js'
import type { RegisterOptions, ServiceImpl } from './server/registry.js'
import type { Libp2p } from '@libp2p/interface'
import type { Balancer, HashReroute, PeerStats, ScalingAdvice } from '@peercall/balancer'
import type { Membership, Member as MembershipMember } from '@peercall/membership'

const log = logger('peercall:core')

/** Bootstrap dial attempts per address, and the first back-off between them, ms. */
const BOOTSTRAP_ATTEMPTS = 5
const BOOTSTRAP_BACKOFF_MS = 200
/** How often service health checks run, ms (Kubernetes' default probe period is 10 s; a cluster RPC layer wants faster). */
export const HEALTH_INTERVAL_MS = 1000

/** Whether a node collects Prometheus metrics: `metrics: true`, or `http` given without `metrics: false`. */
export function wantsMetrics (options: Pick<NodeOptions, 'metrics' | 'http'>): boolean {
  return options.metrics === true || (options.metrics !== false && options.http !== undefined)
}

export class Node extends EventTarget implements ObservedNode {
  readonly libp2p: Libp2p
  readonly clock: HybridClock
  readonly cluster: string
  readonly membership: Membership
  readonly balancer: Balancer
  private readonly registry = new Registry()
  private readonly pool: SessionPool
  private readonly view: ClusterView
  private readonly server: ServerPipeline
  private readonly caller: Caller
  private readonly events: EventBus
  private readonly drainTimeoutMs: number
  private readonly bootstrap: string[]
  private readonly proxies = new Map<string, ServiceProxy<any>>()
  private readonly unhealthy = new Set<string>()
  private healthTimer: ReturnType<typeof setInterval> | undefined
  private stopping: Promise<void> | undefined
  private readonly localId: string
  /** Peers allowed to call here and to be routed to (`allowPeers`); undefined: anyone. */
  private readonly allow: PeerAllowlist | undefined
  private readonly allowedCandidates = new WeakMap<object, any[]>()
  /** Told of every call made or served here (metrics, dashboard), through a pair of interceptors while any listens. */
  private readonly callObservers = new Set<(record: CallRecord) => void>()
  private removeObservation: (() => void) | undefined
  private readonly httpOptions: NodeOptions['http']
  /** Metadata given in `membership.meta` (e.g. `role: client`), kept under the entries of the services. */
  private readonly baseMeta: Record<string, string>
  private http: HttpHandle | undefined
  /** Prometheus metrics, when `http` or `metrics: true` was given. */
  readonly metrics: NodeMetrics | undefined

  /**
   * `metrics` is metrics.ts's `createMetrics`, given when `wantsMetrics(options)`: the caller loads it (and
   * prom-client) only then, so that a node without metrics does not hold their modules in memory.
   */
  constructor (libp2p: Libp2p, membership: Membership, balancer: Balancer, options: NodeOptions, metrics?: typeof createMetrics) {
    super()
    this.libp2p = libp2p
    this.membership = membership
    this.balancer = balancer
    this.localId = libp2p.peerId.toString()
    this.cluster = options.cluster ?? D.DEFAULT_CLUSTER
    this.clock = new HybridClock()
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
      maxNodePendingWriteBytes: options.limits?.maxNodePendingWriteBytes ?? D.MAX_NODE_PENDING_WRITE_BYTES,
      maxStreamsPerPeer: options.limits?.maxStreamsPerPeer ?? D.MAX_RPC_STREAMS_PER_PEER,
      maxCallStreamsPerPeer: options.limits?.maxCallStreamsPerPeer ?? MAX_CALL_STREAMS_PER_PEER,
      idleStreamTimeoutMs: options.limits?.idleStreamTimeoutMs ?? D.RPC_IDLE_TIMEOUT_MS,
      firstFrameTimeoutMs: options.limits?.firstFrameTimeoutMs ?? D.RPC_FIRST_FRAME_TIMEOUT_MS,
      writeStallTimeoutMs: options.limits?.writeStallTimeoutMs ?? D.WRITE_STALL_TIMEOUT_MS
    }
    this.server = new ServerPipeline({ registry: this.registry, allow: this.allow, maxInflightPerPeer: limits.maxInflight, maxCallStreamsPerPeer: limits.maxCallStreamsPerPeer })
    this.pool = new SessionPool(libp2p, {
      ...limits,
      writeBudget: new WriteBudget(limits.maxNodePendingWriteBytes),
      clock: this.clock,
      dispatch: this.server.dispatch,
      log
    })
    this.view = new ClusterView(membership, {
      peerId: this.localId,
      hosts: service => this.registry.has(service) && !this.unhealthy.has(service) && this.stopping === undefined,
      hasMethod: (service, method) => this.registry.get(service)?.methods.has(method) === true,
      load: () => this.server.meter.snapshot(),
      idempotent: (service, method) => this.registry.get(service)?.idempotent.has(method)
    })
    this.caller = new Caller({
      localId: this.localId,
      defaultTimeoutMs: options.timeoutMs ?? D.DEFAULT_TIMEOUT_MS,
      pool: this.pool,
      view: this.view,
      balancer,
      clock: this.clock,
      dispatch: this.server.dispatch,
      allowed: list => this.allowed(list),
      unroutable: (service, method) => missingMethodError(this.members(), service, method),
      stopping: () => this.stopping !== undefined
    })
    this.events = new EventBus({
      localId: this.localId,
      membership,
      balancer,
      call: (s, m, a, o) => this.caller.call(s, m, a, o),
      load: () => this.server.meter.snapshot(),
      allowed: this.allow === undefined ? undefined : id => this.allow?.has(id) === true,
      defaultTimeoutMs: options.timeoutMs ?? D.DEFAULT_TIMEOUT_MS,
      changed: () => { this.publishServices() }
    })
    this.registry.register(EVENTS_SERVICE, this.events.service, { idempotent: ['emit'] })
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
    if (wantsMetrics(options) && metrics === undefined) throw new TypeError('a node with metrics is built with createMetrics')
    this.metrics = wantsMetrics(options) ? metrics?.(this, (libp2p as unknown as { services?: { pubsub?: EventTarget } }).services?.pubsub) : undefined
  }

  /** Adds interceptors (`outgoing` around calls made here, `incoming` before handlers here); returns their removal. */
  intercept (interceptors: Interceptors): () => void {
    if (interceptors === null || typeof interceptors !== 'object') throw new TypeError('intercept takes { outgoing?, incoming? }')
    const removals: Array<() => void> = []
    if (interceptors.outgoing !== undefined) removals.push(this.caller.intercept(interceptors.outgoing))
    if (interceptors.incoming !== undefined) removals.push(this.server.intercept(interceptors.incoming))
    return () => { for (const r of removals) r() }
  }

  /** URL of the dashboard (and `/metrics`) when `http` was given and the node runs. */
  get httpUrl (): string | undefined {
    return this.http?.url
  }

  /** Calls `fn` as each call made or served here ends; returns the unsubscribe. */
  observeCalls (fn: (record: CallRecord) => void): () => void {
    this.callObservers.add(fn)
    this.removeObservation ??= this.intercept({
      outgoing: async (call, next) => await this.observed(next(call), 'client', call.service, call.method),
      incoming: async (call, next) => await this.observed(next(call), 'server', call.service, call.method)
    })
    return () => {
      this.callObservers.delete(fn)
      if (this.callObservers.size === 0) {
        this.removeObservation?.()
        this.removeObservation = undefined
      }
    }
  }

  /** Tells the call observers how `p` ended, and passes its outcome on. */
  private async observed (p: Promise<unknown>, side: CallRecord['side'], service: string, method: string): Promise<unknown> {
    const start = performance.now()
    try {
      const value = await p
      this.notify({ side, service, method, code: 'OK', durationMs: performance.now() - start })
      return value
    } catch (err) {
      this.notify({ side, service, method, code: err instanceof RpcError ? err.code : side === 'server' ? 'REMOTE' : 'INTERNAL', durationMs: performance.now() - start })
      throw err
    }
  }

  private notify (record: CallRecord): void {
    for (const fn of this.callObservers) {
      try { fn(record) } catch (err) { log.error('call observer failed: %s', (err as Error).message) }
    }
  }

  get peerId (): string {
    return this.localId
  }

  get multiaddrs (): string[] {
    return this.libp2p.getMultiaddrs().map(ma => ma.toString())
  }

  async start (): Promise<void> {
    await this.pool.start()
    // the dashboard's modules (and node:http's) are loaded only by a node that serves it
    if (this.httpOptions !== undefined) this.http = await (await import('./dashboard/server.js')).startHttp(this, this.httpOptions)
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
    if (name === EVENTS_SERVICE) return false
    const removed = this.registry.unregister(name)
    this.unhealthy.delete(name)
    if (removed) this.publishServices()
    return removed
  }

  services (): string[] {
    return this.registry.names().filter(n => n !== EVENTS_SERVICE)
  }

  /** Gossips the services this peer takes calls for (healthy, and none while stopping) and their idempotent methods. */
  private publishServices (): void {
    this.view.invalidate()
    const names = this.stopping !== undefined ? [] : this.services().filter(n => !this.unhealthy.has(n))
    // subscriptions travel as `ev:<event>` entries, withdrawn with the services when stopping
    const meta: Record<string, string> = { ...this.baseMeta, ...(this.stopping !== undefined ? {} : this.events.meta()) }
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
    return this.caller.call(service, method, args, options) as Promise<R>
  }

  stream<T = unknown> (service: string, method: string, args: unknown[] = [], options: CallOptions = {}): AsyncIterable<T> {
    return this.caller.stream(service, method, args, options) as AsyncIterable<T>
  }

  // ---------------------------------------------------------------- events (events/)

  subscribe<P = any> (event: string, handler: EventHandler<P>, options?: SubscribeOptions): () => void {
    return this.events.subscribe(event, handler, options)
  }

  emit (event: string, payload?: unknown, options?: EmitOptions): Promise<EmitResult> {
    return this.events.emit(event, payload, options)
  }

  broadcast (event: string, payload?: unknown, options?: BroadcastOptions): Promise<BroadcastResult> {
    return this.events.broadcast(event, payload, options)
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
        ? { peerId: m.peerId, ...this.server.meter.snapshot(), cpu: m.load.cpu, eventLoopDelayMs: m.load.eventLoopDelayMs, at: now }
        : { peerId: m.peerId, inflight: m.load.inflight, latencyMs: m.load.latencyMs, cpu: m.load.cpu, eventLoopDelayMs: m.load.eventLoopDelayMs })
    return this.balancer.advise(loads)
  }

  /** Keyed hash-routed attempts sent elsewhere than the key's owner, by reason (retry or hedge, ejection, bounded load). */
  hashReroutes (): Readonly<Record<HashReroute, number>> {
    return this.balancer.hashReroutes()
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
    return this.server.meter.snapshot()
  }

  stats (): NodeStats {
    const meter = this.server.meter
    return {
      ...this.caller.counters,
      inflight: meter.inflight,
      served: meter.served,
      servedLatencyMs: meter.latencyMs,
      dedupHits: this.server.dedup.hits,
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
  return { ...m, self: m.self === true }
}
