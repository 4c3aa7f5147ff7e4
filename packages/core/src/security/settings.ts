/**
 * The libp2p settings that the security options of a node ask for: the cluster key's connection protector and
 * the allowlist's connection gater (composed with the user's own gater).
 */
import { PeerAllowlist, allowlistGater } from './allowlist.js'
import { clusterKeyProtector, resolveClusterKey } from './cluster-key.js'
import type { ConnectionGater } from '@libp2p/interface'

export interface SecurityOptions {
  clusterKey?: Uint8Array | string
  allowPeers?: string[]
  connectionGater?: ConnectionGater
}

export interface SecuritySettings {
  connectionGater?: ConnectionGater
  connectionProtector?: (components: any) => unknown
}

export async function securitySettings (options: SecurityOptions): Promise<SecuritySettings> {
  const out: SecuritySettings = {}
  if (options.clusterKey !== undefined) out.connectionProtector = await clusterKeyProtector(await resolveClusterKey(options.clusterKey))
  if (options.allowPeers !== undefined) {
    if (!Array.isArray(options.allowPeers)) throw new TypeError('allowPeers must be an array of peer ids')
    out.connectionGater = allowlistGater(new PeerAllowlist(options.allowPeers), options.connectionGater)
  } else if (options.connectionGater !== undefined) {
    out.connectionGater = options.connectionGater
  }
  return out
}
