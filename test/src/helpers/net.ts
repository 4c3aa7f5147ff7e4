/**
 * Partitions injected through libp2p's connection gater (`createNode({ connectionGater })`).
 *
 * One `Net` holds the rules for every peer of a test; each peer gets its own gater from `net.gater(selfId)`.
 * A rule "a must not open a connection to b" (`blocked(a, b)`) is enforced on both ends: a's gater denies the dial
 * (`denyDialPeer`, `denyOutboundEncryptedConnection`) and b's gater refuses the inbound connection
 * (`denyInboundEncryptedConnection`). Cutting also hangs up (`libp2p.hangUp`) every existing connection between
 * the two peers, so calls and probes in flight see a reset connection, as a real network failure would show it.
 *
 * One-way (`net.oneWay(a, b)`: a reaches b, b does not reach a), at the connection level: b may not open a
 * connection to a, a may open connections to b. A connection a opens is an ordinary full-duplex connection, so
 * once it exists b answers and even calls a over it: the fault is a stateful firewall (or NAT) in front of a that
 * drops connection attempts from b. A pure one-way packet loss would break TCP in both directions, which is the
 * full partition that `cut` already is.
 */
import type { ConnectionGater, Libp2p, PeerId } from '@libp2p/interface'

export class Net {
  /** `from -> to` pairs that may not open connections. */
  private readonly denied = new Set<string>()
  private readonly nodes = new Map<string, Libp2p>()
  /** Dials and inbound connections refused by the gaters, for assertions that the fault was real. */
  refused = 0

  blocked (from: string, to: string): boolean {
    return this.denied.has(`${from}>${to}`)
  }

  /** The gater for the peer whose id will be `self()` (known only once libp2p is built). */
  gater (self: () => string): ConnectionGater {
    const out = (p: PeerId): boolean => this.count(this.blocked(self(), p.toString()))
    const inb = (p: PeerId): boolean => this.count(this.blocked(p.toString(), self()))
    return {
      denyDialPeer: async (p: PeerId) => out(p),
      denyOutboundEncryptedConnection: async (p: PeerId) => out(p),
      denyOutboundUpgradedConnection: async (p: PeerId) => out(p),
      denyInboundEncryptedConnection: async (p: PeerId) => inb(p),
      denyInboundUpgradedConnection: async (p: PeerId) => inb(p)
    }
  }

  private count (deny: boolean): boolean {
    if (deny) this.refused++
    return deny
  }

  /** Registers a started peer, so that cuts can hang up its connections. */
  add (peerId: string, libp2p: Libp2p): void {
    this.nodes.set(peerId, libp2p)
  }

  /** Neither side may open a connection to the other; existing connections are hung up. */
  async cut (a: string[], b: string[]): Promise<void> {
    for (const x of a) for (const y of b) { this.denied.add(`${x}>${y}`); this.denied.add(`${y}>${x}`) }
    await this.hangUp(a, b)
  }

  /** `from` peers reach `to` peers, `to` peers cannot open connections to `from` peers (see the file comment). */
  async oneWay (from: string[], to: string[]): Promise<void> {
    for (const x of from) for (const y of to) this.denied.add(`${y}>${x}`)
    await this.hangUp(from, to)
  }

  /** `peer` can reach nobody and nobody can reach it. */
  async isolate (peer: string): Promise<void> {
    await this.cut([peer], [...this.nodes.keys()].filter(p => p !== peer))
  }

  /** Cuts between every pair of groups. */
  async split (groups: string[][]): Promise<void> {
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) await this.cut(groups[i], groups[j])
    }
  }

  /** Every rule lifted. Peers find each other again by their own means (re-dialling, gossip). */
  heal (): void {
    this.denied.clear()
  }

  private async hangUp (a: string[], b: string[]): Promise<void> {
    const jobs: Array<Promise<void>> = []
    for (const x of a) {
      for (const y of b) {
        for (const [self, other] of [[x, y], [y, x]]) {
          const node = this.nodes.get(self)
          const conn = node?.getConnections().find(c => c.remotePeer.toString() === other)
          if (node === undefined || conn === undefined) continue
          jobs.push(node.hangUp(conn.remotePeer).catch(() => {}))
        }
      }
    }
    await Promise.all(jobs)
  }
}
