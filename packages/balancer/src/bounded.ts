/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam, "Consistent Hashing with Bounded Loads",
 * SODA 2018): with m keys (balls) on n peers (bins), every peer has capacity ceil((1 + epsilon) x m / n), and a
 * key goes to the first peer clockwise from its hash that is under capacity.
 */
import type { HashRing } from './ring.js'

/** Default epsilon: capacity is 125% of the average (Vimeo/HAProxy's `hash-balance-factor 125`). */
export const DEFAULT_EPSILON = 0.25

/** ceil((1 + epsilon) x total / bins): the most one bin may hold. */
export function boundedCapacity (total: number, bins: number, epsilon: number = DEFAULT_EPSILON): number {
  if (bins <= 0) return 0
  return Math.ceil((1 + epsilon) * total / bins)
}

/**
 * Keys assigned to peers with bounded loads: `assign` places a key (its owner on the ring, or the next successor
 * under capacity), `release` removes one and, when the capacity drops below a peer's load, moves that peer's
 * keys on to successors under capacity, so max load <= ceil((1 + epsilon) x average) holds after every step.
 */
export class BoundedLoadTable {
  private ring: HashRing
  readonly epsilon: number
  private readonly owner = new Map<string, string>()
  private readonly held = new Map<string, Set<string>>()

  constructor (ring: HashRing, epsilon: number = DEFAULT_EPSILON) {
    this.ring = ring
    this.epsilon = epsilon
    for (const p of ring.peers()) this.held.set(p, new Set())
  }

  get size (): number { return this.owner.size }
  capacity (extra = 0): number { return boundedCapacity(this.owner.size + extra, this.ring.size, this.epsilon) }
  ownerOf (key: string): string | undefined { return this.owner.get(key) }
  loads (): Map<string, number> { return new Map([...this.held].map(([p, s]) => [p, s.size])) }

  /** Places `key` (no-op if already placed) and returns its peer. */
  assign (key: string): string | undefined {
    const had = this.owner.get(key)
    if (had !== undefined) return had
    const cap = this.capacity(1)
    const peer = this.ring.walk(key, p => this.held.get(p)!.size < cap)
    if (peer === undefined) return undefined
    this.owner.set(key, peer)
    this.held.get(peer)!.add(key)
    return peer
  }

  /** Removes `key`, then restores the bound if the lower average broke it. */
  release (key: string): void {
    const peer = this.owner.get(key)
    if (peer === undefined) return
    this.owner.delete(key)
    this.held.get(peer)!.delete(key)
    this.rebalance()
  }

  /** Replaces the ring (a join or leave) and places every key again, in its original order. */
  setRing (ring: HashRing): void {
    this.ring = ring
    const keys = [...this.owner.keys()]
    this.owner.clear()
    this.held.clear()
    for (const p of ring.peers()) this.held.set(p, new Set())
    // first pass: place all keys at once against the final capacity
    const cap = boundedCapacity(keys.length, ring.size, this.epsilon)
    for (const key of keys) {
      const peer = ring.walk(key, p => this.held.get(p)!.size < cap)
      if (peer === undefined) continue
      this.owner.set(key, peer)
      this.held.get(peer)!.add(key)
    }
  }

  private rebalance (): void {
    const cap = this.capacity()
    for (const [peer, keys] of this.held) {
      while (keys.size > cap) {
        // move the first key of the overfull peer to the next peer clockwise from the key that has room
        const key = keys.values().next().value as string
        keys.delete(key)
        const dest = this.ring.walk(key, p => p !== peer && this.held.get(p)!.size < cap)
        const to = dest ?? peer
        this.held.get(to)!.add(key)
        this.owner.set(key, to)
        if (dest === undefined) break
      }
    }
  }
}
