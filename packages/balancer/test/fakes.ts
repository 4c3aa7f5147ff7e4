import type { Candidate, PickContext } from '../src/index.js'
import { seededRandom } from '../src/rng.js'

/** A PickContext over plain tables, for table-driven picker tests. */
export function fakeContext (o: {
  seq?: number
  key?: string
  costs?: Record<string, number>
  tiers?: Record<string, number>
  inflight?: Record<string, number>
  ejected?: string[]
  exclude?: string[]
  seed?: number
} = {}): PickContext {
  const ex = new Set(o.exclude ?? [])
  const ej = new Set(o.ejected ?? [])
  return {
    now: 0,
    seq: o.seq ?? 0,
    key: o.key,
    random: seededRandom(o.seed ?? 1),
    excluded: (id) => ex.has(id),
    usable: (id) => !ex.has(id) && !ej.has(id),
    cost: (c: Candidate) => o.costs?.[c.peerId] ?? 0,
    tier: (c: Candidate) => o.tiers?.[c.peerId] ?? 1,
    inflight: (id) => o.inflight?.[id] ?? 0
  }
}

export const cands = (...ids: string[]): Candidate[] => ids.map(peerId => ({ peerId }))
