/** Round-robin: the candidates in turn, skipping unusable ones; the turn (`ctx.seq`) is kept by the caller. */
import type { Candidate, PickContext, Picker } from './types.js'
import { appendRest } from './picker-util.js'

export function createRoundRobinPicker (candidates: readonly Candidate[]): Picker {
  const list = Object.freeze([...candidates])
  const n = list.length
  return {
    strategy: 'round-robin',
    candidates: list,
    pick (ctx: PickContext): string | undefined {
      const start = n === 0 ? 0 : ctx.seq % n
      for (let k = 0; k < n; k++) {
        const id = list[(start + k) % n].peerId
        if (ctx.usable(id)) return id
      }
      return undefined
    },
    order (ctx: PickContext): string[] {
      const out: string[] = []
      const start = n === 0 ? 0 : ctx.seq % n
      for (let k = 0; k < n; k++) {
        const id = list[(start + k) % n].peerId
        if (ctx.usable(id)) out.push(id)
      }
      return appendRest(out, list, ctx)
    }
  }
}
