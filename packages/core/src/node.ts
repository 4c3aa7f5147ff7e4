/**
 * The peer that applications embed: serves registered services and calls services on other peers.
 */
import { logger } from '@libp2p/logger'
import { multiaddr } from '@multiformats/multiaddr'
import { ServerCall, deadlineError } from './context.js'
import * as D from './defaults.js'
import { RpcError, describeThrown } from './errors.js'
import { HybridClock } from './hlc.js'
import { SessionPool } from './pool.js'
import { Registry } from './registry.js'
import type { CallOptions, Member, NodeOptions, PeercallNode, ServiceProxy, NodeLimits } from './index.js'
import type { RegisterOptions, ServiceImpl } from './registry.js'
import type { Session } from './session.js'
import type { Libp2p } from '@libp2p/interface'

const log = logger('peercall:core')

/** Bootstrap dial attempts per address, and the first back-off between them, ms. */
const BOOTSTRAP_ATTEMPTS = 5
const BOOTSTRAP_BACKOFF_MS = 200

export class Node extends EventTarget implements PeercallNode {
  readonly libp2p: Libp2p
  readonly clock: HybridClock
  readonly cluster: string
  private readonly registry = new Registry()
  private readonly pool: SessionPool
  private readonly defaultTimeoutMs: number
  private readonly drainTimeoutMs: number
  private readonly bootstrap: string[]
  private readonly proxies = new Map<string, ServiceProxy<any>>()
  private stopping: Promise<void> | undefined
  private readonly localId: string

  constructor (libp2p: Libp2p, options: NodeOptions) {
    super()
    this.libp2p = libp2p
    this.localId = libp2p.peerId.toString()
    this.cluster = options.cluster ?? D.DEFAULT_CLUSTER
    this.clock = new HybridClock()
    this.defaultTimeoutMs = options.timeoutMs ?? D.DEFAULT_TIMEOUT_MS
    this.drainTimeoutMs = options.drainTimeoutMs ?? D.DRAIN_TIMEOUT_MS
    this.bootstrap = options.bootstrap ?? []
    const limits: Required<NodeLimits> = {
      maxFrameSize: options.limits?.maxFrameSize ?? D.MAX_FRAME_SIZE,
      maxInflight: options.limits?.maxInflight ?? D.MAX_INFLIGHT_PER_PEER,
      maxDepth: options.limits?.maxDepth ?? D.MAX_DECODE_DEPTH,
      maxPendingWriteBytes: options.limits?.maxPendingWriteBytes ?? D.MAX_PENDING_WRITE_BYTES
    }
    this.pool = new SessionPool(libp2p, {
      ...limits,
      clock: this.clock,
      dispatch: (call, args) => this.registry.invoke(call, args),
      log
    })
  }

  get peerId (): string {
    return this.localId
  }

  get multiaddrs (): string[] {
    return this.libp2p.getMultiaddrs().map(ma => ma.toString())
  }

  async start (): Promise<void> {
    await this.pool.start()
    await Promise.all(this.bootstrap.map(async addr => { await this.dialBootstrap(addr) }))
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

  register (name: string, impl: ServiceImpl, options?: RegisterOptions): void {
    this.registry.register(name, impl, options)
  }

  unregister (name: string): boolean {
    return this.registry.unregister(name)
  }

  services (): string[] {
    return this.registry.names()
  }

  service<T extends object> (name: string, defaults: CallOptions = {}): ServiceProxy<T> {
    const key = name
    const cached = Object.keys(defaults).length === 0 ? this.proxies.get(key) : undefined
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
    if (Object.keys(defaults).length === 0) this.proxies.set(key, proxy)
    return proxy
  }

  call<R = unknown> (service: string, method: string, args: unknown[] = [], options: CallOptions = {}): Promise<R> {
    if (this.stopping !== undefined) {
      return Promise.reject(new RpcError('UNAVAILABLE', `${service}.${method}: this peer is stopping`, { service, method, mayHaveExecuted: false }))
    }
    if (!Array.isArray(args)) {
      return Promise.reject(new RpcError('INVALID_ARGUMENT', `${service}.${method}: args must be an array`, { service, method, mayHaveExecuted: false }))
    }
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs
    const target = options.peer === undefined ? this.route(service) : this.normalisePeer(options.peer)
    if (target === undefined) {
      return Promise.reject(new RpcError('UNAVAILABLE', `${service}.${method}: no known peer hosts service ${service}`, { service, method, mayHaveExecuted: false }))
    }
    if (target === this.localId) return this.callLocal(service, method, args, timeoutMs, options.signal) as Promise<R>
    const session = this.pool.get(target)
    if (session !== undefined) {
      return session.request(service, method, args, { timeoutMs, signal: options.signal }) as Promise<R>
    }
    return this.callAfterDial(target, service, method, args, timeoutMs, options.signal) as Promise<R>
  }

  private async callAfterDial (peer: string, service: string, method: string, args: unknown[], timeoutMs: number, signal: AbortSignal | undefined): Promise<unknown> {
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
    const left = Math.max(1, timeoutMs - (performance.now() - start))
    return await session.request(service, method, args, { timeoutMs: left, signal })
  }

  /** A call served by this peer's own registry, with the same context, deadline and error semantics. */
  private async callLocal (service: string, method: string, args: unknown[], timeoutMs: number, signal: AbortSignal | undefined): Promise<unknown> {
    const ts = this.clock.tick()
    const call = new ServerCall(this.localId, service, method, timeoutMs > 0 ? Date.now() + timeoutMs : undefined, ts, undefined)
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
      return await Promise.race([Promise.resolve().then(() => this.registry.invoke(call, args)), stopped])
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

  /**
   * Chooses the peer for a call that names none. Until membership tells which peers host what, a service
   * registered here is served here, and otherwise there is no known host.
   */
  private route (service: string): string | undefined {
    if (this.registry.has(service)) return this.localId
    return undefined
  }

  members (): Member[] {
    return []
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

  stop (): Promise<void> {
    this.stopping ??= this.doStop()
    return this.stopping
  }

  private async doStop (): Promise<void> {
    await this.pool.drain(this.drainTimeoutMs)
    await this.pool.closeAll()
    await this.libp2p.stop()
  }
}
