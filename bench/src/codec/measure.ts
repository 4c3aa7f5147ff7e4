import { performance } from 'node:perf_hooks'
import { median } from '../harness/stats.js'

/** Checked after each batch so the JIT cannot drop the work. */
let sink = 0

/** Target length of one inner loop between clock reads, in ms: keeps `performance.now()` out of the figure. */
const INNER_LOOP_MS = 0.2

/** Operations per second of `op`, as the median of `batches` time-bounded batches of `batchMs` ms each. */
export function opsPerSec (op: () => number, batches: number, batchMs: number): number {
  // calibrate the inner loop on a few operations
  let t = performance.now()
  for (let i = 0; i < 8; i++) sink += op()
  const perOpMs = Math.max((performance.now() - t) / 8, 1e-6)
  const inner = Math.max(1, Math.min(4096, Math.floor(INNER_LOOP_MS / perOpMs)))

  const rates: number[] = []
  for (let b = 0; b < batches; b++) {
    let n = 0
    const start = performance.now()
    const end = start + batchMs
    t = start
    while (t < end) {
      for (let i = 0; i < inner; i++) sink += op()
      n += inner
      t = performance.now()
    }
    rates.push(n / ((t - start) / 1000))
  }
  if (sink === -1) console.log(sink)
  return Math.round(median(rates))
}
