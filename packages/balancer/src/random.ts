/** Random: a uniformly random usable candidate. */
import type { Candidate, PickContext, Picker } from './types.js'
import { appendRest } from './picker-util.js'

export function createRandomPicker (candidates: readonly Candidate[]): Picker {
  const list = Object.freeze([...candidates])
  const n = list.length
  return {
    strategy: 'random',
    candidates: list,
    pick (ctx: PickContext): string | undefined {
      if (n === 0) return undefined
      // a few tries at random, then a scan from a random start (keeps the pick uniform over usable peers
      // in the common case where all are usable)
      const start = Math.floor(ctx.random() * n)
      if (ctx.usable(list[start].peerId)) return list[start].peerId
      const usable = list.filter(c => ctx.usable(c.peerId))
      if (usable.length === 0) return undefined
      return usable[Math.floor(ctx.random() * usable.length)].peerId
    },
    order (ctx: PickContext): string[] {
      const out = list.filter(c => ctx.usable(c.peerId)).map(c => c.peerId)
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(ctx.random() * (i + 1))
        const t = out[i]; out[i] = out[j]; out[j] = t
      }
      return appendRest(out, list, ctx)
    }
  }
}
