/**
 * How operations fared while a fault lasted: of the reads and writes that started inside the given windows, how
 * many took longer than a bound, and the 99th percentiles. An availability figure beside the checker's verdict
 * (which counts only failures): a store that answers every call but spends a second on many of them during a
 * partition is not one a user would call available.
 */
import type { Op } from './history.js'

/** An operation slower than this is counted as slow, ms: a third of the client's first attempt (the router's share per coordinator). */
export const SLOW_MS = 300

export interface Window { from: number, to: number }

export interface Latency {
  ops: number
  slow: number
  overSecond: number
  p99ReadMs: number
  p99WriteMs: number
}

/** The reads and writes that started inside one of `windows` (times as in the ops). */
export function latencyDuring (ops: readonly Op[], windows: readonly Window[], slowMs = SLOW_MS): Latency {
  const reads: number[] = []
  const writes: number[] = []
  for (const op of ops) {
    if (op.f !== 'read' && op.f !== 'write') continue
    if (!windows.some(w => op.start >= w.from && op.start <= w.to)) continue
    ;(op.f === 'read' ? reads : writes).push(op.end - op.start)
  }
  const all = [...reads, ...writes]
  return {
    ops: all.length,
    slow: all.filter(ms => ms > slowMs).length,
    overSecond: all.filter(ms => ms > 1000).length,
    p99ReadMs: percentile(reads, 0.99),
    p99WriteMs: percentile(writes, 0.99)
  }
}

/** The q-quantile of `xs` (nearest rank), 0 for none. */
export function percentile (xs: number[], q: number): number {
  if (xs.length === 0) return 0
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
}
