/**
 * An in-process observer: a libp2p node with the membership layer only (the same `createPeerLibp2p` and
 * `createMembership` that `createNode` uses, LAN profile, no services). It time-stamps every membership event it
 * sees and counts the payload bytes of the membership records it receives on the gossipsub topic.
 */
import { createPeerLibp2p } from '@peercall/core'
import { createMembership, membershipTopic } from '@peercall/membership'
import type { Membership } from '@peercall/membership'
import type { Libp2p, Message, PubSub } from '@libp2p/interface'
import { SCALE_CLUSTER } from './constants.js'

export type ObservedEvent = 'join' | 'suspect' | 'dead'
export type ObservedAccusation = [at: number, id: string, inc: number, score: number]

export class Observer {
  /** first time (performance.now()) this observer saw each event, by peer id */
  readonly seen: Record<ObservedEvent, Map<string, number>> = { join: new Map(), suspect: new Map(), dead: new Map() }
  /**
   * every suspect and dead event seen, in order: [time, peer id, the peer's incarnation, this observer's health
   * score then]
   */
  readonly log: Record<'suspect' | 'dead', ObservedAccusation[]> = { suspect: [], dead: [] }
  /** gossip payload bytes and messages received on the membership topic */
  gossipBytes = 0
  gossipMessages = 0

  private constructor (readonly libp2p: Libp2p<{ pubsub: PubSub }>, readonly membership: Membership) {}

  static async start (bootstrap: string[]): Promise<Observer> {
    const libp2p = await createPeerLibp2p({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    const membership = createMembership(libp2p, { cluster: SCALE_CLUSTER, bootstrap, profile: 'lan' })
    const o = new Observer(libp2p, membership)
    const topic = membershipTopic(SCALE_CLUSTER)
    libp2p.services.pubsub.addEventListener('message', (e: CustomEvent<Message>) => {
      if (e.detail.topic !== topic) return
      o.gossipBytes += e.detail.data.byteLength
      o.gossipMessages++
    })
    for (const type of ['join', 'suspect', 'dead'] as const) {
      membership.addEventListener(`member:${type}`, e => {
        const id = e.detail.peerId
        const now = performance.now()
        if (!o.seen[type].has(id)) o.seen[type].set(id, now)
        if (type !== 'join') o.log[type].push([now, id, e.detail.incarnation, o.awareness])
      })
    }
    await membership.start()
    return o
  }

  /** First `type` event about `id` at or after `since`. */
  firstAfter (type: 'suspect' | 'dead', id: string, since: number): number | undefined {
    return this.log[type].find(([t, p]) => p === id && t >= since)?.[0]
  }

  get peerId (): string { return this.membership.peerId }

  /** This observer's Lifeguard health score now (0 when healthy). */
  get awareness (): number { return (this.membership as unknown as { state?: { awareness: number } }).state?.awareness ?? NaN }

  /** Peer ids this observer has alive now. */
  alive (): Set<string> {
    return new Set(this.membership.members().filter(m => m.state === 'alive').map(m => m.peerId))
  }

  async stop (): Promise<void> {
    await this.membership.stop().catch(() => {})
    try { await this.libp2p.stop() } catch { /* stopping anyway */ }
  }
}
