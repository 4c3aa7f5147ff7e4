import type { Candidate, PickContext } from './types.js'

/** Appends the candidates that are neither in `out` nor excluded (the ejected ones, last resort). */
export function appendRest (out: string[], candidates: readonly Candidate[], ctx: PickContext): string[] {
  if (out.length === candidates.length) return out
  const have = new Set(out)
  for (const c of candidates) if (!have.has(c.peerId) && !ctx.excluded(c.peerId)) out.push(c.peerId)
  return out
}

/** The usable candidates sorted by tier, then cost (stable: equal costs keep candidate order). */
export function byCost (candidates: readonly Candidate[], ctx: PickContext, skip?: string): string[] {
  const scored: Array<[string, number, number]> = []
  for (const c of candidates) if (c.peerId !== skip && ctx.usable(c.peerId)) scored.push([c.peerId, ctx.cost(c), ctx.tier(c)])
  scored.sort((a, b) => a[2] - b[2] || a[1] - b[1])
  return scored.map(s => s[0])
}
