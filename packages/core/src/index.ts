/**
 * @packageDocumentation
 *
 * peercall's core: `createNode()` starts a peer that serves registered services and calls services hosted by
 * other peers, over one long-lived multiplexed libp2p stream per pair of peers (`/peercall/rpc/1.0.0`,
 * docs/protocol.md).
 *
 * ```ts
 * import { createNode } from '@peercall/core'
 *
 * const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [seedAddr] })
 * node.register('Calculator', { add: (a: number, b: number) => a + b }, { idempotent: ['add'] })
 * const calc = node.service<{ add(a: number, b: number): Promise<number> }>('Calculator')
 * await calc.add(1, 2)
 * await node.stop()
 * ```
 */
import './engine.js' // first: an old Node.js is refused before any dependency loads
import { createBalancer } from '@peercall/balancer'
import { createMembership, mdnsServiceTag } from '@peercall/membership'
import { Node } from './node.js'
import { createPeerLibp2p } from './libp2p.js'
import { DEFAULT_CLUSTER, DEFAULT_LISTEN, HEDGE_MIN_PER_SECOND } from './defaults.js'
import { securitySettings } from './security/settings.js'
import type { RegisterOptions, ServiceImpl } from './registry.js'
import type { ConnectionGater, PrivateKey } from '@libp2p/interface'
import type { BalancerOptions, PeerStats, ScalingAdvice } from '@peercall/balancer'
import type { MembershipOptions } from '@peercall/membership'

export { RpcError, RPC_ERROR_CODES, isRpcErrorCode } from './errors.js'
export type { RpcErrorCode, RpcErrorOptions } from './errors.js'
export type { ScalingAdvice, PeerStats } from '@peercall/balancer'
export { callContext } from './context.js'
export type { CallContext } from './context.js'
export { HybridClock, compareHlc, formatHlc } from './hlc.js'
export type { HlcTimestamp, HybridClockOptions } from './hlc.js'
export { codec, exceedsDepth, MAP_EXTENSION_TYPE } from './codec.js'
export type { Codec } from './codec.js'
export { encodeFrames, FrameDecoder, FRAME_HEADER_BYTES } from './frame.js'
export type { FrameDecoderOptions } from './frame.js'
export { FrameType } from './messages.js'
export type { RequestMeta } from './messages.js'
export { Session } from './session.js'
export type { ByteStream, SessionOptions, RequestOptions, Dispatch } from './session.js'
export { Registry, callableMethods } from './registry.js'
export type { RegisterOptions, ServiceImpl, ServiceEntry } from './registry.js'
export { createPeerLibp2p } from './libp2p.js'
export { loadOrCreateIdentity } from './identity.js'
export { generateClusterKey, writeClusterKey, resolveClusterKey, PeerAllowlist, allowlistGater, restrictMethods, CLUSTER_KEY_HANDSHAKE_TIMEOUT_MS } from './security/index.js'
export type { Authorize, AuthorizeRequest } from './security/index.js'
export { DEFAULT_RETRIES, TRANSPARENT_RETRIES, mayRetry, failureKind } from './router.js'
export { DedupCache, DEDUP_CAPACITY, DEDUP_TTL_MS } from './dedup.js'
export { HEALTH_INTERVAL_MS } from './node.js'
export { CLIENT_META } from './client/role.js'
export * as defaults from './defaults.js'
export { createMetrics } from './metrics.js'
export type { NodeMetrics } from './metrics.js'
export { startHttp } from './dashboard/server.js'
export type { HttpHandle } from './dashboard/server.js'

/** The dashboard and `/metrics` over HTTP (docs/operations.md). */
export interface HttpOptions {
  /** TCP port; 0 picks a free one (see `node.httpUrl`). */
  port: number
  /** Address to bind. @default '127.0.0.1' (loopback: the dashboard has no authentication) */
  host?: string
}

/** One call made (`client`) or served (`server`) by this node, as told to `observeCalls`. */
export interface CallRecord {
  side: 'client' | 'server'
  service: string
  method: string
  /** 'OK' or an RpcError code. */
  code: string
  durationMs: number
}

/** Bounds that protect a node from hostile or broken peers. */
export interface NodeLimits {
  /** Largest frame body sent or accepted, bytes. @default 4 MiB (MAX_FRAME_SIZE) */
  maxFrameSize?: number
  /** Calls one remote peer may have executing here at once; more get OVERLOADED. @default 1024 */
  maxInflight?: number
  /** Deepest nesting accepted in a decoded frame. @default 64 */
  maxDepth?: number
  /** Unwritten bytes queued to one peer past which new calls fail with OVERLOADED. @default 16 MiB */
  maxPendingWriteBytes?: number
  /** RPC streams one peer may have open here at once (per connection); more are refused. @default 16 */
  maxStreamsPerPeer?: number
  /** An inbound RPC stream idle this long (nothing received, no call in flight) gets GOAWAY and is closed, ms; 0: never. @default 300000 */
  idleStreamTimeoutMs?: number
  /** An inbound RPC stream whose opener sends nothing within this long is reset, ms; 0: never. @default 10000 */
  firstFrameTimeoutMs?: number
  /** How long a peer may leave unread the answers queued for it (past maxPendingWriteBytes, reading from it pauses) before its stream is closed, ms. @default 30000 */
  writeStallTimeoutMs?: number
}

export interface NodeOptions {
  /** Multiaddrs to listen on. @default ['/ip4/127.0.0.1/tcp/0'] */
  listen?: string[]
  /** Multiaddrs (ending in /p2p/<peer id>) of peers to join through. @default [] */
  bootstrap?: string[]
  /** Cluster name: peers of other clusters are ignored. @default 'default' */
  cluster?: string
  /** Deadline of calls that name none, ms. @default 30000 */
  timeoutMs?: number
  /** How long stop() waits for in-flight calls, ms. @default 5000 */
  drainTimeoutMs?: number
  limits?: NodeLimits
  /** The libp2p identity; a new one is made when absent. */
  privateKey?: PrivateKey
  /** libp2p connection gater (tests inject partitions through it). */
  connectionGater?: ConnectionGater
  /**
   * Private cluster: the pre-shared cluster key (swarm-key text as `generateClusterKey()` makes it, its bytes, or
   * the path of a file holding it). A peer without the same key cannot connect at all. @default none (open cluster)
   */
  clusterKey?: Uint8Array | string
  /**
   * Only these peer ids may connect (enforced by the connection gater, composed with `connectionGater`), call
   * this peer's services, or be routed to. This peer's own id is always allowed. @default anyone
   */
  allowPeers?: string[]
  /**
   * Membership settings: `profile: 'fast'` (probe period 500 ms, for loopback and tests) or 'lan' (1 s, the
   * default), timing overrides, `mdns: true` (find the cluster's peers on the LAN by multicast DNS: the node runs
   * `@libp2p/mdns` under the service name `mdnsServiceTag(cluster)` and dials every peer it reports). `cluster`,
   * `bootstrap` and `services` come from the node.
   */
  membership?: Omit<MembershipOptions, 'cluster' | 'bootstrap' | 'services' | 'load'>
  /** Balancer settings (ejection, budgets, hashing). */
  balancer?: BalancerOptions
  /** Serve the live dashboard and Prometheus `/metrics` on this port (loopback unless `host` says otherwise). */
  http?: HttpOptions
  /** Collect Prometheus metrics (`node.metrics`). @default true when `http` is given, else false */
  metrics?: boolean
}

export type Balance = 'p2c' | 'hash' | 'round-robin' | 'local-first'

export interface CallOptions {
  /** Call this peer (a peer id, or a multiaddr ending in /p2p/<id>), with no routing. */
  peer?: string
  /** Deadline, ms, sent to the remote as a relative timeout. @default the node's timeoutMs */
  timeoutMs?: number
  /** Aborting it cancels the call here and aborts the remote handler's signal. */
  signal?: AbortSignal
  /** How to choose the peer. @default 'p2c' */
  balance?: Balance
  /** Key for `balance: 'hash'` and for ordered calls. */
  key?: string
  /** Whether the call may run more than once (retried, hedged). @default as registered */
  idempotent?: boolean
  /** Attempts after the first, for idempotent calls. */
  retries?: number
  /** Send a second attempt to another peer if no answer within this many ms (idempotent calls only). */
  hedgeAfterMs?: number
  /** Run in send order at the target, per caller and key (routes by `hash` on the key unless `balance` says otherwise). */
  ordered?: boolean
  /** Deadline of each attempt, ms. @default for idempotent calls, an equal share of what is left per attempt left */
  attemptTimeoutMs?: number
  /** Idempotency key of this logical call. @default a random UUID per call */
  callId?: string
}

/** Counters of one node since it started. */
export interface NodeStats {
  /** Calls this node made. */
  calls: number
  /** Calls this node made that failed. */
  failures: number
  retries: number
  hedges: number
  /** Calls executing here now. */
  inflight: number
  /** Calls served here. */
  served: number
  /** EWMA of the time calls took here, ms. */
  servedLatencyMs: number
  /** Repeated call ids answered from the idempotency cache. */
  dedupHits: number
  /** Peers with an RPC stream. */
  peers: number
}

export type MemberState = 'alive' | 'suspect' | 'dead' | 'left'

export interface MemberLoad {
  inflight: number
  latencyMs: number
  eventLoopDelayMs?: number
  cpu?: number
  memory?: number
}

export interface Member {
  peerId: string
  addrs: string[]
  state: MemberState
  incarnation: number
  services: string[]
  load: MemberLoad
  /** Gossiped metadata (e.g. `idem:<service>`: its idempotent methods). */
  meta: Record<string, string>
  /** True for this peer. */
  self: boolean
}

/** The methods of T, each returning a promise of its result. */
export type ServiceProxy<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never
}

export interface PeercallNode extends EventTarget {
  readonly peerId: string
  readonly multiaddrs: string[]
  /** Serves `impl`'s own methods under `name`. */
  register(name: string, impl: ServiceImpl, options?: RegisterOptions): void
  unregister(name: string): boolean
  /** Names of the services this peer hosts. */
  services(): string[]
  /** A typed client: `node.service<Calculator>('Calculator').add(1, 2)`. */
  service<T extends object>(name: string, defaults?: CallOptions): ServiceProxy<T>
  call<R = unknown>(service: string, method: string, args?: unknown[], options?: CallOptions): Promise<R>
  members(): Member[]
  /** Resolves once a live peer (this one included) hosts each service; rejects UNAVAILABLE naming the missing ones after `timeoutMs` (default 30 s). */
  waitForServices(names: string | string[], options?: import('./client/wait.js').WaitForServicesOptions): Promise<void>
  /** Round-trip time to a peer over its RPC stream, ms. */
  ping(peer: string, timeoutMs?: number): Promise<number>
  /** The owners of `key` for `service` on the hash ring of its hosts, in failover order (primary first). */
  owners(service: string, key: string, n?: number): string[]
  /** Scaling advice from the members' gossiped load: utilisation, recommended peer count, reason. */
  scalingAdvice(service?: string): ScalingAdvice
  /** What this node's balancer knows of a peer: calls in flight from here, latency, failures, ejection state. */
  peerStats(peer: string): PeerStats
  /** Peers this node has an RPC stream with. */
  connectedPeers(): string[]
  stats(): NodeStats
  /** URL of the dashboard and `/metrics` when `http` was given. */
  readonly httpUrl: string | undefined
  /** Prometheus metrics, when on (`http` or `metrics: true`). */
  readonly metrics: import('./metrics.js').NodeMetrics | undefined
  /** Calls `fn` as each call made or served here ends; returns the unsubscribe. */
  observeCalls(fn: (record: CallRecord) => void): () => void
  /** Graceful: withdraws its services, announces its leave, drains calls in flight, then stops. */
  stop(): Promise<void>
}

/**
 * Starts a peer. Resolves once it listens and has dialled its bootstrap peers (an unreachable bootstrap peer
 * is logged, not fatal: a peer may start first).
 */
export async function createNode (options: NodeOptions = {}): Promise<PeercallNode> {
  const security = await securitySettings(options)
  const cluster = options.cluster ?? DEFAULT_CLUSTER
  const libp2p = await createPeerLibp2p({
    listen: options.listen ?? DEFAULT_LISTEN,
    privateKey: options.privateKey,
    ...(options.membership?.mdns === true ? { mdns: { serviceTag: mdnsServiceTag(cluster) } } : {}),
    ...security
  })
  let node: Node | undefined
  const membership = createMembership(libp2p, {
    ...options.membership,
    cluster,
    bootstrap: options.bootstrap ?? [],
    services: [],
    load: () => node === undefined ? { inflight: 0, latencyMs: 0 } : node.load()
  })
  const balancer = createBalancer({ ...options.balancer, hedging: { minPerSecond: HEDGE_MIN_PER_SECOND, ...options.balancer?.hedging } })
  node = new Node(libp2p, membership, balancer, options)
  try {
    await node.start()
  } catch (err) {
    await libp2p.stop()
    throw err
  }
  return node
}
