/**
 * libp2p settings for a peercall cluster, shared by the core's node and this package's tests so that both run
 * the same configuration. See DESIGN.md, "Runtime and toolchain".
 */
import { createHash } from 'node:crypto'
import { toString } from 'uint8arrays/to-string'
import type { GossipsubOpts } from '@chainsafe/libp2p-gossipsub'

/** Stream protocol of probes, indirect probes, full state exchanges and leave notices: one long-lived stream per peer and direction carrying varint length-prefixed frames (`links.ts`, `frames.ts`); 2.0.0 since the frames replaced 1.0.0's one message per stream. */
export const MEMBERSHIP_PROTOCOL = '/peercall/membership/2.0.0'

/** The gossipsub topic of a cluster's membership records. */
export function membershipTopic (cluster: string): string {
  return `/peercall/${cluster}/membership/1`
}

/**
 * gossipsub's fast message id: the signed origin and sequence number as they arrive, before any check. Under
 * StrictSign the message id is exactly (origin, seqno), so this names the same message; but gossipsub looks it up
 * before it verifies the signature, so the D - 1 duplicate copies of each record a peer receives through its mesh
 * are dropped without an ed25519 verification each (without it, every copy was verified: the largest CPU cost of
 * an idle member, growing with the cluster). A copy is entered in the cache only after its signature verified, so
 * a forged first copy cannot shadow the real one.
 */
export function fastMsgId (msg: { from?: Uint8Array, seqno?: Uint8Array }): string {
  return (msg.from === undefined ? '' : toString(msg.from, 'base64')) + ':' + (msg.seqno === undefined ? '' : toString(msg.seqno, 'base64'))
}

/** gossipsub heartbeat in ms (gossipsub default: 1 s). */
export const GOSSIPSUB_HEARTBEAT_MS = 1000

/**
 * gossipsub options for a cluster of authenticated peers, many of which may share one host or one NAT:
 * - strict signing (every message carries its origin's signature: a record about X is believed only from X), and a
 *   fast message id so that duplicate copies are dropped before their signature is checked (`fastMsgId`);
 * - `IPColocationFactorWeight: 0`: the default (-5 per peer past 10 on one IP) would push peers of a one-host
 *   cluster below the graylist threshold (-80) at about 14 peers and make them deaf;
 * - thresholds and other score parameters stay at gossipsub's defaults (behaviour penalties still apply);
 * - `floodPublish` (a peer's own messages go to every subscribed peer it is connected to, not just its mesh)
 *   and `allowPublishToZeroTopicPeers` (a lone peer may publish).
 */
export function gossipsubOptions (overrides: Partial<GossipsubOpts> = {}): Partial<GossipsubOpts> {
  return {
    globalSignaturePolicy: 'StrictSign',
    fastMsgIdFn: fastMsgId,
    emitSelf: false,
    floodPublish: true,
    allowPublishToZeroTopicPeers: true,
    fallbackToFloodsub: false,
    heartbeatInterval: GOSSIPSUB_HEARTBEAT_MS,
    scoreParams: {
      IPColocationFactorWeight: 0,
      IPColocationFactorThreshold: 10
    },
    ...overrides
  }
}

/** Inbound connections accepted per second from one host (libp2p default 5: too few for a cluster on one host). */
export const INBOUND_CONNECTION_THRESHOLD = 1000
/** Pending (not yet upgraded) inbound connections (libp2p default 10). */
export const MAX_INCOMING_PENDING_CONNECTIONS = 256
/** Open connections (libp2p default 300): a cluster member keeps one to each other member. */
export const MAX_CONNECTIONS = 1000
/** Dial timeout in ms (libp2p default 10 s): a member is near, and a slow dial is retried with backoff. */
export const DIAL_TIMEOUT_MS = 5000

/** Connection manager settings for a cluster (`createLibp2p({ connectionManager: connectionManagerOptions() })`). */
export function connectionManagerOptions (overrides: Record<string, unknown> = {}): {
  maxConnections: number
  inboundConnectionThreshold: number
  maxIncomingPendingConnections: number
  dialTimeout: number
  [k: string]: unknown
} {
  return {
    maxConnections: MAX_CONNECTIONS,
    inboundConnectionThreshold: INBOUND_CONNECTION_THRESHOLD,
    maxIncomingPendingConnections: MAX_INCOMING_PENDING_CONNECTIONS,
    dialTimeout: DIAL_TIMEOUT_MS,
    ...overrides
  }
}

/** How often an `@libp2p/mdns` service asks the LAN for the cluster's peers, ms (@libp2p/mdns default: 10 s). */
export const MDNS_QUERY_INTERVAL_MS = 10_000

/**
 * The mDNS service name a cluster's peers answer to: `_pc-<first 8 hex digits of SHA-256(cluster)>._udp.local`, so
 * that mDNS finds peers of this cluster only (libp2p's default, `_p2p._udp.local`, would connect every libp2p node on
 * the LAN). A DNS-SD service name is at most 15 characters (RFC 6335), so the cluster name itself cannot be used.
 */
export function mdnsServiceTag (cluster: string): string {
  return `_pc-${createHash('sha256').update(cluster).digest('hex').slice(0, 8)}._udp.local`
}
