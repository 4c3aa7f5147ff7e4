/**
 * Consistent hash ring with virtual nodes. Immutable: `add` and `remove` return a new ring, computed
 * incrementally (one merge of sorted arrays, no re-hashing of the other members), so a ring can be cached and
 * shared by pickers. The ring is a pure function of the member set: points are `hash(peerId + '#' + i)` and
 * ties between equal points are broken by peer id, so every peer that sees the same members builds the same ring,
 * whatever the order of joins and leaves.
 */
import { ringHash } from './hash.js'

/** Virtual nodes per peer. Chosen by measurement (docs/balancing.md, "Virtual nodes"): a peer's share of the ring
 * varies by about 1/sqrt(vnodes), so 2048 points keep a newcomer's share within about 2% (1 sigma) of 1/(N+1), which
 * the join property (<= 1.1 x K/(N+1) keys moved) needs with margin; ketama's 160 gives about +-8%.
 * Cost: 8 bytes per point (2 MB for 128 peers), built once per member set and cached. */
export const DEFAULT_VNODES = 2048

export interface RingOptions {
  /** Virtual nodes (points on the ring) per peer. @default 2048 */
  vnodes?: number
  /** 32-bit hash of a string. Every member of a cluster must use the same one. @default murmur3 (x86_32, seed 0) */
  hash?: (s: string) => number
}

const IDX_BITS = 2 ** 20 // packing: point * 2^20 + member index fits in a double's 53 bits

export class HashRing {
  readonly vnodes: number
  readonly hash: (s: string) => number
  /** Sorted points. */
  private readonly points: Uint32Array
  /** For each point, the index of its owner in `members`. */
  private readonly owners: Uint32Array
  private readonly members: readonly string[]
  private readonly index: ReadonlyMap<string, number>
  /** Scratch space for `successors` (generation stamps per member); not part of the ring's state. */
  private stamps: Uint32Array
  private generation = 0

  private constructor (vnodes: number, hash: (s: string) => number, points: Uint32Array, owners: Uint32Array, members: readonly string[]) {
    this.vnodes = vnodes
    this.hash = hash
    this.points = points
    this.owners = owners
    this.members = members
    this.index = new Map(members.map((m, i) => [m, i]))
    this.stamps = new Uint32Array(members.length)
  }

  /** Builds a ring over a set of peers (duplicates are ignored). */
  static from (peers: Iterable<string>, options: RingOptions = {}): HashRing {
    const vnodes = options.vnodes ?? DEFAULT_VNODES
    const hash = options.hash ?? ringHash
    if (!Number.isInteger(vnodes) || vnodes < 1) throw new RangeError('vnodes must be a positive integer')
    const members = [...new Set(peers)].sort(compareStrings)
    if (members.length >= IDX_BITS) throw new RangeError('too many peers for one ring')
    const packed = new Float64Array(members.length * vnodes)
    let n = 0
    for (let m = 0; m < members.length; m++) {
      const prefix = members[m] + '#'
      for (let v = 0; v < vnodes; v++) packed[n++] = hash(prefix + v) * IDX_BITS + m
    }
    packed.sort()
    const points = new Uint32Array(n)
    const owners = new Uint32Array(n)
    for (let i = 0; i < n; i++) {
      const x = packed[i]
      const m = x % IDX_BITS
      owners[i] = m
      points[i] = (x - m) / IDX_BITS
    }
    return new HashRing(vnodes, hash, points, owners, members)
  }

  /** Number of peers. */
  get size (): number { return this.members.length }

  /** The peers on the ring (in no particular order). */
  peers (): readonly string[] { return this.members }

  has (peer: string): boolean { return this.index.has(peer) }

  /** A new ring with `peer` added (this ring is unchanged). */
  add (peer: string): HashRing {
    if (this.index.has(peer)) return this
    if (this.members.length + 1 >= IDX_BITS) throw new RangeError('too many peers for one ring')
    const fresh = new Uint32Array(this.vnodes)
    const prefix = peer + '#'
    for (let v = 0; v < this.vnodes; v++) fresh[v] = this.hash(prefix + v)
    fresh.sort()
    const newIdx = this.members.length
    const members = [...this.members, peer]
    const total = this.points.length + fresh.length
    const points = new Uint32Array(total)
    const owners = new Uint32Array(total)
    let a = 0; let b = 0; let o = 0
    const old = this.points
    while (a < old.length && b < fresh.length) {
      const pa = old[a]; const pb = fresh[b]
      if (pa < pb || (pa === pb && compareStrings(this.members[this.owners[a]], peer) < 0)) {
        points[o] = pa; owners[o++] = this.owners[a++]
      } else {
        points[o] = pb; owners[o++] = newIdx; b++
      }
    }
    while (a < old.length) { points[o] = old[a]; owners[o++] = this.owners[a++] }
    while (b < fresh.length) { points[o] = fresh[b++]; owners[o++] = newIdx }
    return new HashRing(this.vnodes, this.hash, points, owners, members)
  }

  /** A new ring without `peer` (this ring is unchanged). */
  remove (peer: string): HashRing {
    const r = this.index.get(peer)
    if (r === undefined) return this
    const members = this.members.filter((_, i) => i !== r)
    const total = this.points.length - this.countPoints(r)
    const points = new Uint32Array(total)
    const owners = new Uint32Array(total)
    let o = 0
    for (let i = 0; i < this.points.length; i++) {
      const m = this.owners[i]
      if (m === r) continue
      points[o] = this.points[i]
      owners[o++] = m > r ? m - 1 : m
    }
    return new HashRing(this.vnodes, this.hash, points, owners, members)
  }

  /** The ring with exactly `peers` as members, reached incrementally when the difference is small. */
  withMembers (peers: Iterable<string>): HashRing {
    const want = new Set(peers)
    const leaving = this.members.filter(m => !want.has(m))
    const joining = [...want].filter(m => !this.index.has(m))
    if (leaving.length + joining.length === 0) return this
    if (leaving.length + joining.length > Math.max(4, this.members.length / 4)) {
      return HashRing.from(want, { vnodes: this.vnodes, hash: this.hash })
    }
    let ring: HashRing = this
    for (const m of leaving) ring = ring.remove(m)
    for (const m of joining) ring = ring.add(m)
    return ring
  }

  /** The peer that owns `key`, or undefined on an empty ring. */
  lookup (key: string): string | undefined {
    if (this.points.length === 0) return undefined
    return this.members[this.owners[this.pointIndex(this.hash(key))]]
  }

  /** Up to `n` distinct peers in failover order: the owner of `key`, then the next distinct peers clockwise. */
  successors (key: string, n: number = this.members.length): string[] {
    const out: string[] = []
    this.walk(key, (peer) => { out.push(peer); return out.length >= n })
    return out
  }

  /**
   * Visits the distinct peers clockwise from `key` (owner first) until `visit` returns true or every peer was
   * visited. Returns the peer at which the walk stopped, if any.
   */
  walk (key: string, visit: (peer: string) => boolean): string | undefined {
    const len = this.points.length
    const count = this.members.length
    if (len === 0) return undefined
    let i = this.pointIndex(this.hash(key))
    if (++this.generation === 0xffffffff) { this.stamps.fill(0); this.generation = 1 }
    const gen = this.generation
    const stamps = this.stamps
    let seen = 0
    for (let steps = 0; steps < len && seen < count; steps++) {
      const m = this.owners[i]
      if (stamps[m] !== gen) {
        stamps[m] = gen
        seen++
        const peer = this.members[m]
        if (visit(peer)) return peer
      }
      if (++i === len) i = 0
    }
    return undefined
  }

  /** Index of the first point at or after `h` (clockwise), wrapping to 0. */
  private pointIndex (h: number): number {
    const points = this.points
    let lo = 0
    let hi = points.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (points[mid] < h) lo = mid + 1
      else hi = mid
    }
    return lo === points.length ? 0 : lo
  }

  private countPoints (m: number): number {
    let c = 0
    for (let i = 0; i < this.owners.length; i++) if (this.owners[i] === m) c++
    return c
  }
}

/** Code-unit order, the same as `Array.prototype.sort`'s default. */
export function compareStrings (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
