/** Local-first: this peer when it hosts the service and is usable (no network hop), else p2c over the others. */
import type { Candidate, PickContext, Picker } from './types.js'
import { createP2cPicker } from './p2c.js'
import { appendRest } from './picker-util.js'

export function createLocalFirstPicker (candidates: readonly Candidate[]): Picker {
  const list = Object.freeze([...candidates])
  const locals = list.filter(c => c.local === true)
  const fallback = createP2cPicker(list)
  return {
    strategy: 'local-first',
    candidates: list,
    pick (ctx: PickContext): string | undefined {
      for (const c of locals) if (ctx.usable(c.peerId)) return c.peerId
      return fallback.pick(ctx)
    },
    order (ctx: PickContext): string[] {
      const out = locals.filter(c => ctx.usable(c.peerId)).map(c => c.peerId)
      const have = new Set(out)
      for (const id of fallback.order(ctx)) if (!have.has(id) && ctx.usable(id)) out.push(id)
      return appendRest(out, list, ctx)
    }
  }
}
