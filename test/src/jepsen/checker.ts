/**
 * The checker of a Jepsen-style register history. Each key has a single writer (one worker writes it, one write
 * at a time, with increasing sequence numbers), so the order of a key's writes is known and a read can be
 * checked against it without a search:
 *
 * - never written: a read returned a value that no write of the key invoked before the read completed wrote;
 * - stale read: a read returned an older value (or none) than the latest write of the key acknowledged before the
 *   read began (writes still in flight during the read, or indeterminate ones, may or may not be seen: only
 *   values at least as new as that write are allowed);
 * - lost write: the final read of a key (after every fault healed) returned an older value than its last
 *   acknowledged write, or the final read failed;
 * - failed idempotent call: a read or a Calculator call that failed or answered wrongly;
 * - slow heal: a heal after which the cluster did not show one view within the bound.
 */
import { seqOf } from './history.js'
import type { Convergence, Op } from './history.js'

/** A heal must converge within this, ms (the store's stated bound). */
export const HEAL_BOUND_MS = 10_000

export interface Anomaly {
  kind: 'never-written' | 'stale-read' | 'lost-write' | 'failed-idempotent' | 'slow-heal'
  detail: string
}

export interface Report {
  ops: number
  writes: number
  ackedWrites: number
  failedWrites: number
  indeterminateWrites: number
  readsChecked: number
  finalReads: number
  calcs: number
  heals: Convergence[]
  anomalies: Anomaly[]
}

/** A key's writes, indexed for the checks. */
interface KeyIndex {
  /** acknowledged writes: [completion time, seq], sorted by completion */
  ackEnds: Array<[number, number]>
  /** the highest seq among ackEnds[0..i] */
  ackMax: number[]
  /** each seq's earliest invocation */
  firstStart: Map<number, number>
}

export function check (ops: readonly Op[], heals: readonly Convergence[], healBoundMs = HEAL_BOUND_MS, origin = 0): Report {
  const anomalies: Anomaly[] = []
  const s = (t: number): string => origin === 0 ? String(t) : `${((t - origin) / 1000).toFixed(3)} s`
  const index = new Map<string, KeyIndex>()
  for (const op of ops) {
    if (op.f !== 'write' || op.key === undefined) continue
    let k = index.get(op.key)
    if (k === undefined) index.set(op.key, k = { ackEnds: [], ackMax: [], firstStart: new Map() })
    const seq = seqOf(op.key, op.value)
    if (seq !== undefined && !(op.start >= (k.firstStart.get(seq) ?? Infinity))) k.firstStart.set(seq, op.start)
    if (op.outcome === 'ok') k.ackEnds.push([op.end, seq ?? 0])
  }
  // per key, acknowledged writes by completion time with the running highest seq: a binary search answers
  // "the highest seq acknowledged before t" (a long run has 100,000 writes and as many reads)
  for (const k of index.values()) {
    k.ackEnds.sort((x, y) => x[0] - y[0])
    let best = 0
    k.ackMax = k.ackEnds.map(([, seq]) => (best = Math.max(best, seq)))
  }
  /** The highest seq of the key's writes acknowledged before `t`. */
  const ackedBefore = (key: string, t: number): number => {
    const k = index.get(key)
    if (k === undefined) return 0
    let lo = 0
    let hi = k.ackEnds.length // first index whose end is >= t
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (k.ackEnds[mid][0] < t) lo = mid + 1
      else hi = mid
    }
    return lo === 0 ? 0 : k.ackMax[lo - 1]
  }
  /** Whether a write of `seq` to the key was invoked before `t`. */
  const invokedBefore = (key: string, seq: number, t: number): boolean => (index.get(key)?.firstStart.get(seq) ?? Infinity) < t

  let readsChecked = 0
  let finalReads = 0
  for (const op of ops) {
    if ((op.f === 'read' || op.f === 'final-read') && op.key !== undefined) {
      const key = op.key
      if (op.outcome !== 'ok') {
        anomalies.push({ kind: op.f === 'final-read' ? 'lost-write' : 'failed-idempotent', detail: `${op.f} of ${key} by ${op.process} at ${s(op.start)}: ${op.error ?? op.outcome}` })
        continue
      }
      if (op.f === 'read') readsChecked++
      else finalReads++
      const got = op.value === null || op.value === undefined ? 0 : seqOf(key, op.value)
      if (got === undefined || (got > 0 && !invokedBefore(key, got, op.end))) {
        anomalies.push({ kind: 'never-written', detail: `${op.f} of ${key} at ${s(op.start)}-${s(op.end)} returned ${String(op.value)}` })
        continue
      }
      const floor = ackedBefore(key, op.start)
      if (got < floor) {
        anomalies.push({
          kind: op.f === 'final-read' ? 'lost-write' : 'stale-read',
          detail: `${op.f} of ${key} at ${s(op.start)}-${s(op.end)} returned ${got === 0 ? 'nothing' : `seq ${got}`}, seq ${floor} was acknowledged before it began`
        })
      }
    } else if (op.f === 'calc' && op.outcome !== 'ok') {
      anomalies.push({ kind: 'failed-idempotent', detail: `Calculator call by ${op.process} at ${s(op.start)}: ${op.error ?? op.outcome}` })
    }
  }
  for (const h of heals) {
    if (h.ms < 0 || h.ms > healBoundMs) anomalies.push({ kind: 'slow-heal', detail: `${h.label}: ${h.ms < 0 ? 'not converged' : `${Math.round(h.ms)} ms`} (bound ${healBoundMs} ms)` })
  }
  const w = ops.filter(o => o.f === 'write')
  return {
    ops: ops.length,
    writes: w.length,
    ackedWrites: w.filter(o => o.outcome === 'ok').length,
    failedWrites: w.filter(o => o.outcome === 'fail').length,
    indeterminateWrites: w.filter(o => o.outcome === 'info').length,
    readsChecked,
    finalReads,
    calcs: ops.filter(o => o.f === 'calc').length,
    heals: [...heals],
    anomalies
  }
}
