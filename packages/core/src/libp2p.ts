/**
 * The libp2p adapter: builds the libp2p node a peer runs on. The code that touches libp2p's construction API
 * lives here, so a move to a new libp2p major is contained.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import type { ConnectionGater, Libp2p, PrivateKey } from '@libp2p/interface'

/**
 * Connection manager settings for a cluster whose peers may share one host. libp2p's default
 * inboundConnectionThreshold (5 per second per host) refuses handshakes when several peers start together on
 * one machine, so it is raised; the connection cap allows a full mesh of a few hundred peers.
 */
export const CLUSTER_CONNECTION_MANAGER = {
  /** Inbound connections accepted per second from one host (libp2p default: 5). */
  inboundConnectionThreshold: 1000,
  /** Concurrent inbound handshakes (libp2p default: 10). */
  maxIncomingPendingConnections: 256,
  /** Open connections (libp2p default: 300). */
  maxConnections: 1024,
  /** Dial timeout, ms (libp2p default: 5000). */
  dialTimeout: 5000
}

export interface Libp2pSettings {
  listen: string[]
  privateKey?: PrivateKey
  connectionGater?: ConnectionGater
  /** Extra libp2p services, by name (membership adds gossipsub here). */
  services?: Record<string, (components: any) => unknown>
  /** Connection-encryption protectors such as @libp2p/pnet's, for private clusters. */
  connectionProtector?: (components: any) => unknown
}

export async function createPeerLibp2p (settings: Libp2pSettings): Promise<Libp2p<Record<string, unknown>>> {
  return await createLibp2p({
    ...(settings.privateKey !== undefined ? { privateKey: settings.privateKey } : {}),
    addresses: { listen: settings.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: CLUSTER_CONNECTION_MANAGER,
    ...(settings.connectionGater !== undefined ? { connectionGater: settings.connectionGater } : {}),
    ...(settings.connectionProtector !== undefined ? { connectionProtector: settings.connectionProtector as any } : {}),
    services: {
      identify: identify(),
      ping: ping(),
      ...(settings.services ?? {})
    }
  }) as unknown as Libp2p<Record<string, unknown>>
}
