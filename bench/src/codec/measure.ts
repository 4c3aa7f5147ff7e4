import { performance } from 'node:perf_hooks'

/** Checked after each batch so the JIT cannot drop the work. */
let sink = 0

/** Target length of one inner loop between clock reads, in ms: keeps the clock reads out of the figure. */
const INNER_LOOP_MS = 0.2

/** How many operations to run between clock reads, from a short calibration. */
export function calibrate (op: () => number): number {
  const t = performance.now()
  for (let i = 0; i < 8; i++) sink += op()
  const perOpMs = Math.max((performance.now() - t) / 8, 1e-6)
  return Math.max(1, Math.min(4096, Math.floor(INNER_LOOP_MS / perOpMs)))
}

/**
 * One batch of about `batchMs` wall-clock ms; returns operations per second of this process's CPU time
 * (`process.cpuUsage`, user + system), which the other tenants of a shared machine disturb less than wall time.
 */
export function batchRate (op: () => number, inner: number, batchMs: number): number {
  let n = 0
  const cpu0 = process.cpuUsage()
  const end = performance.now() + batchMs
  do {
    for (let i = 0; i < inner; i++) sink += op()
    n += inner
  } while (performance.now() < end)
  const cpu = process.cpuUsage(cpu0)
  if (sink === -1) console.log(sink)
  return n / ((cpu.user + cpu.system) / 1e6)
}
