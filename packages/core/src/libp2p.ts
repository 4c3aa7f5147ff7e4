/**
 * The libp2p adapter: builds the libp2p node a peer runs on. The code that touches libp2p's construction API
 * lives here, so a move to a new libp2p major is contained.
 */
import { gossipsub } from '@chainsafe/libp2p-gossipsub'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { connectionManagerOptions, gossipsubOptions, MDNS_QUERY_INTERVAL_MS } from '@peercall/membership'
import { createLibp2p } from 'libp2p'
import { CONNECTION_MONITOR } from './defaults.js'
import { explainListenError } from './listen-error.js'
import type { ConnectionGater, Libp2p, PrivateKey, PubSub } from '@libp2p/interface'

export interface Libp2pSettings {
  listen: string[]
  privateKey?: PrivateKey
  connectionGater?: ConnectionGater
  /** Extra libp2p services, by name. */
  services?: Record<string, (components: any) => unknown>
  /** Connection-encryption protectors such as @libp2p/pnet's, for private clusters. */
  connectionProtector?: (components: any) => unknown
  /** Find peers on the LAN by mDNS (`@libp2p/mdns`), answering to this service name (`mdnsServiceTag(cluster)`). */
  mdns?: { serviceTag: string, queryIntervalMs?: number }
}

/**
 * The libp2p services of a peer: identify, ping, gossipsub with membership's settings, mDNS when asked, extras.
 * `@libp2p/mdns` is loaded only when asked for: a peer without it does not hold its modules in memory.
 */
export async function peerServices (settings: Pick<Libp2pSettings, 'services' | 'mdns'>): Promise<Record<string, (components: any) => unknown>> {
  const mdns = settings.mdns !== undefined ? (await import('@libp2p/mdns')).mdns : undefined
  return {
    identify: identify(),
    ping: ping(),
    pubsub: gossipsub(gossipsubOptions()),
    ...(settings.mdns !== undefined && mdns !== undefined ? { mdns: mdns({ serviceTag: settings.mdns.serviceTag, interval: settings.mdns.queryIntervalMs ?? MDNS_QUERY_INTERVAL_MS }) } : {}),
    ...(settings.services ?? {})
  }
}

/**
 * A libp2p node for a cluster peer: TCP, Noise, yamux, identify, ping, and gossipsub with membership's settings
 * (strict signing, no IP-colocation penalty for peers sharing a host), with the connection manager tuned for a
 * cluster (membership's `connectionManagerOptions`: many inbound connections per second from one host), without
 * libp2p's connection monitor (`CONNECTION_MONITOR`: membership checks the links it has reason to doubt), and
 * `@libp2p/mdns` when `settings.mdns` is given.
 */
export async function createPeerLibp2p (settings: Libp2pSettings): Promise<Libp2p<{ pubsub: PubSub }>> {
  try {
    return await startLibp2p(settings)
  } catch (err) {
    throw explainListenError(err, 'listen', settings.listen)
  }
}

async function startLibp2p (settings: Libp2pSettings): Promise<Libp2p<{ pubsub: PubSub }>> {
  return await createLibp2p({
    ...(settings.privateKey !== undefined ? { privateKey: settings.privateKey } : {}),
    addresses: { listen: settings.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: connectionManagerOptions(),
    connectionMonitor: { enabled: CONNECTION_MONITOR },
    ...(settings.connectionGater !== undefined ? { connectionGater: settings.connectionGater } : {}),
    ...(settings.connectionProtector !== undefined ? { connectionProtector: settings.connectionProtector as any } : {}),
    services: await peerServices(settings)
  }) as unknown as Libp2p<{ pubsub: PubSub }>
}
