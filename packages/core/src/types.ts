/**
 * The public types of @peercall/core: options, call options, members, the node's interface.
 */
import type { RegisterOptions, ServiceImpl } from './server/registry.js'
import type { Interceptors } from './interceptors.js'
import type { WaitForServicesOptions } from './client/wait.js'
import type { BroadcastOptions, BroadcastResult, EmitOptions, EmitResult, EventHandler, SubscribeOptions } from './events/types.js'
import type { Registry as MetricsRegistry } from 'prom-client'
import type { Metadata } from './wire/metadata.js'
import type { ConnectionGater, PrivateKey } from '@libp2p/interface'
import type { BalancerOptions, HashReroute, PeerStats, ScalingAdvice, Strategy } from '@peercall/balancer'
import type { Member, MembershipOptions } from '@peercall/membership'

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
  /** Bytes queued to one stream past which new calls wait for room (flow control, up to their deadline). @default 16 MiB (MAX_PENDING_WRITE_BYTES) */
  maxPendingWriteBytes?: number
  /** Bytes queued across all of this node's streams past which new calls wait for room. @default 64 MiB (MAX_NODE_PENDING_WRITE_BYTES) */
  maxNodePendingWriteBytes?: number
  /** Streaming calls (`stream`, or `input`) one peer may have open here at once; more get OVERLOADED. @default 100 (MAX_CALL_STREAMS_PER_PEER) */
  maxCallStreamsPerPeer?: number
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
  /** Deadline of calls that name none, ms (0 or Infinity: none). @default 30000 */
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

/** How a routed call picks its peer: the balancer's strategies a caller may name. */
export type Balance = Exclude<Strategy, 'random'>

export interface CallOptions {
  /** Call this peer (a peer id, or a multiaddr ending in /p2p/<id>), with no routing. */
  peer?: string
  /**
   * Deadline, ms, sent to the remote as a relative timeout; any finite positive number works, however large; 0 and
   * Infinity mean no deadline. A call made while a handler runs gets at most what is left of the handler's.
   * @default the node's timeoutMs
   */
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
  /** Headers sent with the call: the handler reads them as `callContext().meta`. Bounded: 64 entries, 8 KiB. */
  meta?: Record<string, string>
  /** Told of the trailers the handler set (`callContext().setTrailer`), before the call settles, on success and on error. */
  onTrailers?: (trailers: Metadata) => void
  /**
   * Input items sent to the handler (client streaming with `call`, bidi with `stream`): it reads them as
   * `callContext().input`. Flow-controlled; a call with input is not retried once it may have reached a handler.
   */
  input?: AsyncIterable<unknown> | Iterable<unknown>
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

/**
 * A member of the cluster as membership sees it: the one Member type, owned by @peercall/membership (which
 * produces it); `node.members()` sets `self` on this peer's own entry. Its `load` is membership's `Load`
 * (in-flight calls, served latency, event-loop delay, CPU, resident memory).
 */
export type { Member, Load as MemberLoad } from '@peercall/membership'
export type MemberState = Member['state']

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
  /**
   * A call whose answer is a stream: the handler is an async generator, and the caller iterates. Flow-controlled
   * both ways; leaving the loop (or aborting `signal`) cancels the remote generator (its `finally` runs); an error
   * thrown mid-stream arrives after the items before it; the deadline covers the whole stream. A routed stream
   * picks its peer once: it fails over only before the first item.
   */
  stream<T = unknown>(service: string, method: string, args?: unknown[], options?: CallOptions): AsyncIterable<T>
  members(): Member[]
  /** Resolves once a live peer (this one included) hosts each service; rejects UNAVAILABLE naming the missing ones after `timeoutMs` (default 30 s). */
  waitForServices(names: string | string[], options?: WaitForServicesOptions): Promise<void>
  /**
   * Subscribes to a cluster event: each `emit` reaches one subscriber per group (balanced across the subscribing
   * peers, this one included), each `broadcast` every subscriber. Returns the unsubscribe.
   */
  subscribe<P = any>(event: string, handler: EventHandler<P>, options?: SubscribeOptions): () => void
  /** Delivers to one subscriber of each group (at least once); resolves once each one's handler has run. */
  emit(event: string, payload?: unknown, options?: EmitOptions): Promise<EmitResult>
  /** Delivers to every subscribing peer (at most once each), which runs all its handlers of the event. */
  broadcast(event: string, payload?: unknown, options?: BroadcastOptions): Promise<BroadcastResult>
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
  readonly metrics: NodeMetrics | undefined
  /**
   * Adds interceptors: `outgoing` runs once per logical call made here (around routing, retries and hedges),
   * `incoming` before each handler here (after admission, inside the call context). The first added is the
   * outermost. Returns the function that removes them.
   */
  intercept(interceptors: Interceptors): () => void
  /** Calls `fn` as each call made or served here ends; returns the unsubscribe. */
  observeCalls(fn: (record: CallRecord) => void): () => void
  /** Graceful: withdraws its services, announces its leave, drains calls in flight, then stops. */
  stop(): Promise<void>
}


/** Prometheus metrics of a node (`node.metrics`). */
export interface NodeMetrics {
  readonly registry: MetricsRegistry
  /** The Prometheus text exposition of every metric. */
  text(): Promise<string>
  readonly contentType: string
  /** Detaches from the node (its listeners and timers). */
  close(): void
}

/** What metrics and the dashboard read of a node: its public API, its cluster name, and its balancer's counters. */
export interface ObservedNode extends PeercallNode {
  readonly cluster: string
  /** Keyed hash-routed attempts sent elsewhere than the key's owner, by reason, since start. */
  hashReroutes(): Readonly<Record<HashReroute, number>>
}
