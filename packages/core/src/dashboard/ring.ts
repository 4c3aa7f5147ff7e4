/**
 * The hash ring as a picture: which peer owns each of `segments` equal arcs of the 32-bit ring, and each peer's
 * share of the ring. Built with the balancer's own ring (same hash, same virtual nodes), so the picture is the
 * ownership that `balance: 'hash'` uses before bounded loads move keys off a busy owner.
 */
import { DEFAULT_VNODES, HashRing, ringHash } from '@peercall/balancer'

/** Arcs drawn per ring. 360 keeps a share visible down to about 0.3% and the SSE payload small. */
export const RING_SEGMENTS = 360
/** Prefix of the synthetic keys that address a ring position directly (never a peer id: those start with 12D3 or Qm). */
const POSITION = '\u0000pos:'

export interface RingPicture {
  /** Peers on the ring, sorted. */
  peers: string[]
  /** For each arc, clockwise from position 0, the index in `peers` of the owner of the arc's start. */
  owners: number[]
  /** Each peer's share of the ring (0..1), measured on `samples` evenly spaced positions. */
  shares: Record<string, number>
}

const hash = (s: string): number => s.startsWith(POSITION) ? Number(s.slice(POSITION.length)) : ringHash(s)

/** A pure function of the peer set (cache it per set). */
export function ringPicture (peers: Iterable<string>, segments = RING_SEGMENTS, samples = 16 * RING_SEGMENTS, vnodes = DEFAULT_VNODES): RingPicture {
  const sorted = [...new Set(peers)].sort()
  if (sorted.length === 0) return { peers: [], owners: [], shares: {} }
  const ring = HashRing.from(sorted, { vnodes, hash })
  const index = new Map(sorted.map((p, i) => [p, i]))
  const at = (fraction: number): string => ring.lookup(POSITION + String(Math.floor(fraction * 2 ** 32))) as string
  const owners: number[] = []
  for (let i = 0; i < segments; i++) owners.push(index.get(at(i / segments)) as number)
  const counts = new Map<string, number>()
  for (let i = 0; i < samples; i++) {
    const p = at((i + 0.5) / samples)
    counts.set(p, (counts.get(p) ?? 0) + 1)
  }
  const shares: Record<string, number> = {}
  for (const p of sorted) shares[p] = (counts.get(p) ?? 0) / samples
  return { peers: sorted, owners, shares }
}
