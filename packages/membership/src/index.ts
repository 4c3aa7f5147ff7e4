/**
 * @packageDocumentation
 *
 * `@peercall/membership`: every peer's view of the cluster (who is there, in what state, hosting which services,
 * under what load) with no coordinator. SWIM failure detection with Lifeguard (after hashicorp/memberlist),
 * records gossiped over gossipsub with strict signing, push-pull state exchange, discovery and healing by dialling.
 *
 * ```ts
 * const node = await createLibp2p({
 *   addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
 *   transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()],
 *   connectionManager: connectionManagerOptions(),
 *   services: { identify: identify(), pubsub: gossipsub(gossipsubOptions()) }
 * })
 * const membership = createMembership(node, { cluster: 'demo', bootstrap: [...], services: ['Calculator'] })
 * membership.addEventListener('member:join', e => console.log(e.detail.peerId))
 * await membership.start()
 * ```
 *
 * The libp2p node must be started and have `services.pubsub` = gossipsub (`@chainsafe/libp2p-gossipsub`, with
 * `gossipsubOptions()`), `services.identify` (so that peers learn each other's protocols and addresses), a
 * transport, `@chainsafe/libp2p-noise` and a stream muxer. The package registers the stream protocol
 * `MEMBERSHIP_PROTOCOL` and subscribes to `membershipTopic(cluster)`.
 */
import { MembershipNode } from './membership.js'
import type { Member, MembershipEvents, MembershipOptions } from './membership.js'
import type { Libp2p, PubSub, TypedEventTarget } from '@libp2p/interface'

export type { Member, MembershipEvents, MembershipOptions, Load, MemberEventType } from './membership.js'
export { MEMBER_EVENTS } from './membership.js'
export { MembershipNode, LEARNED_DIAL_FOR_MS, LEAVE_FLUSH_MS, DIAL_PARALLEL } from './membership.js'
export { gossipsubOptions, connectionManagerOptions, membershipTopic, mdnsServiceTag, MDNS_QUERY_INTERVAL_MS, MEMBERSHIP_PROTOCOL, GOSSIPSUB_HEARTBEAT_MS, INBOUND_CONNECTION_THRESHOLD, MAX_INCOMING_PENDING_CONNECTIONS, MAX_CONNECTIONS, DIAL_TIMEOUT_MS } from './libp2p-options.js'
export * from './defaults.js'
export { recordIntervalMs, RECORD_BUDGET_PER_SECOND, RECORD_MAX_INTERVAL_MS, RECORD_JITTER } from './refresh.js'
export { suspicionTimeout, remainingSuspicionTime, expectedConfirmations, healthScaledSuspicionTimeout } from './suspicion.js'
export { applyAwarenessDelta, scaleTimeout, failedProbeDelta, latenessDelta } from './awareness.js'
export { backoffDelay, DIAL_BACKOFF_BASE_MS, DIAL_BACKOFF_MAX_MS } from './backoff.js'
export { redundantConnections, REDUNDANT_MIN_AGE_PERIODS, REDUNDANT_CHECK_PERIODS } from './redundant.js'
export type { ConnectionView } from './redundant.js'
export { Swim } from './swim.js'
/** The long-lived membership streams and their framing, for benchmarks and diagnostics. */
export { Links } from './links.js'
export type { LinksOptions, LinkStats } from './links.js'
export { encodeFrames, FrameDecoder } from './frames.js'
export { FrameWriter, WriteBudget } from './writer.js'
export type { Ticket, WriterOptions } from './writer.js'
export { MAX_MESSAGE_BYTES } from './codec.js'
export type { SwimMember, SwimStats, Outputs } from './swim.js'
export type { DirectMessage, GossipMessage, Entry, MemberState, SwimEvent, SwimEventType } from './messages.js'

/** The object `createMembership` returns. */
export interface Membership extends TypedEventTarget<MembershipEvents> {
  readonly peerId: string
  /** Join: announce this peer, dial the bootstrap list, start probing. */
  start(): Promise<void>
  /** Leave gracefully: announced by gossip and directly to every live member, so it takes effect at once. */
  stop(): Promise<void>
  /** Every known member including this peer (`self: true`) and tombstones (`dead`, `left`). */
  members(): Member[]
  self(): Member
  /** Replace the services this peer hosts; gossiped at once. */
  setServices(names: string[]): void
  /** Replace this peer's metadata; gossiped at once. */
  setMeta(meta: Record<string, string>): void
  /** Connections closed so far because another connection to the same peer was open and they had no stream (redundant.ts). */
  readonly redundantConnectionsClosed: number
}

/** Create the membership of a started libp2p node whose `services.pubsub` is gossipsub. */
export function createMembership (libp2p: Libp2p<{ pubsub: PubSub }>, options: MembershipOptions): Membership {
  return new MembershipNode(libp2p, options)
}
