/**
 * Where the replicated store keeps a key: its preference list, the key's owner and distinct successors on a
 * consistent-hash ring built from the store's roster. The roster is every member that has hosted the store and
 * has not left: a dead or suspect member keeps its place (so the two sides of a partition compute the same
 * preference list for every key, and at most one side can gather a write quorum), until it leaves (a graceful
 * stop) or has been dead or unknown for `retainDeadMs`.
 */
import { HashRing } from '@peercall/balancer'
import type { Member } from '@peercall/core'

/**
 * How long a member that is dead (or forgotten by membership, whose tombstones last 60 s) keeps its place, ms.
 * Longer than any partition the store is meant to ride out with one placement; Riak and Cassandra never drop a
 * node from the ring without an operator, 10 minutes is this example's stand-in for that decision.
 */
export const RETAIN_DEAD_MS = 10 * 60_000

interface Place { since: number, down: boolean }

export class Roster {
  private readonly places = new Map<string, Place>()
  private readonly self: string
  private readonly service: string
  private readonly retainDeadMs: number
  private ring: HashRing | undefined

  constructor (self: string, service: string, retainDeadMs = RETAIN_DEAD_MS) {
    this.self = self
    this.service = service
    this.retainDeadMs = retainDeadMs
    this.places.set(self, { since: 0, down: false })
  }

  /** Applies a membership snapshot at `now`; true if the roster changed. */
  update (members: readonly Member[], now: number): boolean {
    let changed = false
    const seen = new Set<string>([this.self])
    for (const m of members) {
      if (m.peerId === this.self || m.self) continue
      seen.add(m.peerId)
      const hosts = m.services.includes(this.service)
      const place = this.places.get(m.peerId)
      if (m.state === 'left') {
        if (place !== undefined) { this.places.delete(m.peerId); changed = true }
        continue
      }
      const down = m.state === 'dead'
      if (place === undefined) {
        if (!hosts || down) continue // never placed: a dead stranger does not join the roster
        this.places.set(m.peerId, { since: now, down: false })
        changed = true
      } else if (place.down !== down) {
        place.down = down
        place.since = now
      }
    }
    for (const [id, place] of this.places) {
      if (id === this.self) continue
      if (!seen.has(id) && !place.down) { place.down = true; place.since = now }
      if (place.down && now - place.since >= this.retainDeadMs) { this.places.delete(id); changed = true }
    }
    if (changed) this.ring = undefined
    return changed
  }

  /**
   * Takes in members another peer's roster names that this one lacks (a starting peer learns the roster from the
   * peers it catches up from): placed as down until membership shows them alive. True if the roster changed.
   */
  adopt (peers: readonly string[], now: number): boolean {
    let changed = false
    for (const p of peers) {
      if (this.places.has(p)) continue
      this.places.set(p, { since: now, down: true })
      changed = true
    }
    if (changed) this.ring = undefined
    return changed
  }

  has (peer: string): boolean { return this.places.has(peer) }

  peers (): string[] { return [...this.places.keys()] }

  /** The key's preference list: its owner and distinct successors on the roster's ring, `n` at most. */
  owners (key: string, n: number): string[] {
    this.ring ??= HashRing.from(this.places.keys())
    return this.ring.successors(key, n)
  }
}
