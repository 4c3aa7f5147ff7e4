/**
 * @packageDocumentation
 *
 * peercall's core: `createNode()` starts a peer that serves registered services and calls services hosted by
 * other peers, over one long-lived multiplexed libp2p stream per pair of peers (`/peercall/rpc/2.0.0`,
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
import { Node, wantsMetrics } from './node.js'
import { batchWallNow } from './batch-clock.js'
import { createPeerLibp2p } from './libp2p.js'
import { DEFAULT_CLUSTER, DEFAULT_LISTEN } from './defaults.js'
import { securitySettings } from './security/settings.js'
import type { NodeOptions, PeercallNode } from './types.js'

export type {
  Balance, CallOptions, CallRecord, HttpOptions, Member, MemberLoad, MemberState, NodeLimits, NodeMetrics, NodeOptions,
  NodeStats, PeercallNode, ServiceProxy
} from './types.js'
export type { BroadcastOptions, BroadcastResult, EmitOptions, EmitResult, EventContext, EventHandler, SubscribeOptions } from './events/types.js'
export { RpcError, RPC_ERROR_CODES, isRpcErrorCode } from './errors.js'
export type { RpcErrorCode, RpcErrorOptions } from './errors.js'
export type { ScalingAdvice, PeerStats } from '@peercall/balancer'
export { callContext } from './server/context.js'
export type { CallContext } from './server/context.js'
export type { Interceptors, Interceptor, IncomingCall, OutgoingCall, Next } from './interceptors.js'
export { MAX_META_ENTRIES, MAX_META_BYTES } from './wire/metadata.js'
export type { Metadata } from './wire/metadata.js'
export { HybridClock, compareHlc, formatHlc } from './hlc.js'
export type { HlcTimestamp, HybridClockOptions } from './hlc.js'
export type { RegisterOptions, ServiceImpl } from './server/registry.js'
export { createPeerLibp2p } from './libp2p.js'
export { loadOrCreateIdentity } from './identity.js'
export { generateClusterKey, writeClusterKey, resolveClusterKey, PeerAllowlist, allowlistGater, restrictMethods, CLUSTER_KEY_HANDSHAKE_TIMEOUT_MS } from './security/index.js'
export type { Authorize, AuthorizeRequest } from './security/index.js'
export { CLIENT_META } from './client/role.js'
export type { WaitForServicesOptions } from './client/wait.js'
export * as defaults from './defaults.js'

/**
 * Starts a peer. Resolves once it listens and has dialled its bootstrap peers (an unreachable bootstrap peer
 * is logged, not fatal: a peer may start first).
 */
export async function createNode (options: NodeOptions = {}): Promise<PeercallNode> {
  // prom-client, @libp2p/pnet, @libp2p/mdns and the dashboard are loaded only by a node that uses them (each is
  // imported where it is needed): an idle peer without them holds about 12 MB less (docs/performance.md)
  const createMetrics = wantsMetrics(options) ? (await import('./metrics.js')).createMetrics : undefined
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
  const balancer = createBalancer({ now: batchWallNow, ...options.balancer })
  node = new Node(libp2p, membership, balancer, options, createMetrics)
  try {
    await node.start()
  } catch (err) {
    await libp2p.stop()
    throw err
  }
  return node
}
