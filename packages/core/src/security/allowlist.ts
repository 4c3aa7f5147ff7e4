/**
 * An allowlist of peer ids. Enforced where it is cheapest first: the connection gater refuses a dial to, and an
 * encrypted connection from, any other peer (right after the Noise handshake has proved the remote's id, before
 * any protocol runs); the RPC layer refuses calls from, and routing skips members that are not, on the list.
 */
import type { ConnectionGater, PeerId } from '@libp2p/interface'

export class PeerAllowlist {
  private readonly ids: ReadonlySet<string>

  /** `self` is always allowed (a node calls its own services). */
  constructor (ids: Iterable<string>, self?: string) {
    const set = new Set<string>()
    for (const id of ids) {
      if (typeof id !== 'string' || id.length === 0) throw new TypeError('allowPeers: every entry must be a peer id string')
      set.add(id.includes('/p2p/') ? id.slice(id.lastIndexOf('/p2p/') + 5) : id)
    }
    if (self !== undefined) set.add(self)
    this.ids = set
  }

  has (peer: string | PeerId): boolean {
    return this.ids.has(typeof peer === 'string' ? peer : peer.toString())
  }

  get size (): number {
    return this.ids.size
  }
}

/**
 * A connection gater that denies every peer not in `allow`, composed with the user's own gater: a connection
 * goes through only if both let it (the user's gater is asked only when the allowlist lets the peer through).
 */
export function allowlistGater (allow: PeerAllowlist, inner: ConnectionGater = {}): ConnectionGater {
  const both = (name: keyof ConnectionGater) => async (peer: PeerId, ...rest: unknown[]): Promise<boolean> => {
    if (!allow.has(peer)) return true
    const fn = inner[name] as ((...a: unknown[]) => boolean | Promise<boolean>) | undefined
    return fn === undefined ? false : (await fn.call(inner, peer, ...rest)) === true
  }
  return {
    ...inner,
    denyDialPeer: both('denyDialPeer'),
    denyOutboundConnection: both('denyOutboundConnection'),
    denyInboundEncryptedConnection: both('denyInboundEncryptedConnection'),
    denyOutboundEncryptedConnection: both('denyOutboundEncryptedConnection'),
    denyInboundUpgradedConnection: both('denyInboundUpgradedConnection'),
    denyOutboundUpgradedConnection: both('denyOutboundUpgradedConnection'),
    denyInboundRelayedConnection: async (relay: PeerId, remote: PeerId): Promise<boolean> => {
      if (!allow.has(remote)) return true
      return (await inner.denyInboundRelayedConnection?.(relay, remote)) === true
    }
  }
}
