/**
 * Consistent hashing with bounded loads over the candidates: the key's owner on the ring, or, when the owner is
 * unusable (excluded, ejected) or over capacity, the next distinct peer clockwise. The load is this peer's own
 * calls in flight per candidate (as HAProxy's `hash-balance-factor`): capacity = ceil((1 + epsilon) x (m + 1) / n)
 * with m calls in flight over n usable candidates. Without a key it behaves as p2c.
 */
import type { Candidate, PickContext, Picker } from './types.js'
import type { HashRing } from './ring.js'
import { boundedCapacity, DEFAULT_EPSILON } from './bounded.js'
import { createP2cPicker } from './p2c.js'
import { appendRest } from './picker-util.js'

export interface HashPickerOptions {
  /** Capacity factor; Infinity turns bounded loads off. @default 0.25 */
  epsilon?: number
}

export function createHashPicker (candidates: readonly Candidate[], ring: HashRing, options: HashPickerOptions = {}): Picker {
  const list = Object.freeze([...candidates])
  const epsilon = options.epsilon ?? DEFAULT_EPSILON
  const bounded = Number.isFinite(epsilon)
  const fallback = createP2cPicker(list)
  const capacity = (ctx: PickContext): number => {
    let m = 0
    let n = 0
    for (const c of list) if (ctx.usable(c.peerId)) { m += ctx.inflight(c.peerId); n++ }
    return boundedCapacity(m + 1, n, epsilon)
  }
  const pick = (ctx: PickContext): string | undefined => {
    if (ctx.key === undefined) return fallback.pick(ctx)
    if (!bounded) return ring.walk(ctx.key, p => ctx.usable(p))
    const cap = capacity(ctx)
    let firstUsable: string | undefined
    const chosen = ring.walk(ctx.key, p => {
      if (!ctx.usable(p)) return false
      firstUsable ??= p
      return ctx.inflight(p) < cap
    })
    return chosen ?? firstUsable
  }
  return {
    strategy: 'hash',
    candidates: list,
    pick,
    order (ctx: PickContext): string[] {
      if (ctx.key === undefined) return fallback.order(ctx)
      const succ = ring.successors(ctx.key)
      const usable = succ.filter(p => ctx.usable(p))
      const first = pick(ctx)
      const out = first === undefined ? usable : [first, ...usable.filter(p => p !== first)]
      for (const p of succ) if (!ctx.excluded(p) && !out.includes(p)) out.push(p)
      return appendRest(out, list, ctx)
    }
  }
}
