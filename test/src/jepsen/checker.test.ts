/**
 * The Jepsen checker finds each anomaly it is meant to find, in small hand-made histories, and passes a clean one.
 */
import test from 'ava'
import fc from 'fast-check'
import { check } from './checker.js'
import type { Op } from './history.js'

const w = (seq: number, start: number, end: number, outcome: Op['outcome'] = 'ok'): Op => ({ process: 'c0w0', f: 'write', key: 'k', value: `k=${seq}`, start, end, outcome })
const r = (value: string | null, start: number, end: number, f: Op['f'] = 'read', outcome: Op['outcome'] = 'ok'): Op => ({ process: 'c1w0', f, key: 'k', value, start, end, outcome })
const kinds = (ops: Op[]): string[] => check(ops, []).anomalies.map(a => a.kind)

test('a clean history has no anomaly; concurrent and indeterminate writes may or may not be seen', t => {
  const ops = [w(1, 0, 10), r(null, 0, 5), r('k=1', 11, 12), w(2, 20, 30), r('k=1', 21, 25), r('k=2', 22, 26), w(3, 40, 50, 'info'), r('k=2', 55, 56), r('k=3', 57, 58), r('k=3', 60, 61, 'final-read')]
  const report = check(ops, [{ label: 'heal', at: 0, ms: 1200 }])
  t.deepEqual(report.anomalies, [])
  t.is(report.readsChecked, 6)
  t.is(report.finalReads, 1)
  t.is(report.ackedWrites, 2)
  t.is(report.indeterminateWrites, 1)
})

test('a read older than a write acknowledged before it began is stale; as the final read it is a lost write', t => {
  t.deepEqual(kinds([w(1, 0, 10), w(2, 20, 30), r('k=1', 31, 32)]), ['stale-read'])
  t.deepEqual(kinds([w(1, 0, 10), r(null, 11, 12)]), ['stale-read'])
  t.deepEqual(kinds([w(1, 0, 10), w(2, 20, 30), r('k=1', 40, 41, 'final-read')]), ['lost-write'])
  t.deepEqual(kinds([w(1, 0, 10), r(null, 40, 41, 'final-read', 'fail')]), ['lost-write'])
})

test('a value never written, or not yet invoked, is flagged', t => {
  t.deepEqual(kinds([w(1, 0, 10), r('k=7', 11, 12)]), ['never-written'])
  t.deepEqual(kinds([w(1, 0, 10), r('k=2', 11, 12), w(2, 20, 30)]), ['never-written'])
  t.deepEqual(kinds([r('garbage', 11, 12)]), ['never-written'])
})

test('failed idempotent calls and slow heals are flagged', t => {
  t.deepEqual(kinds([r(null, 0, 2000, 'read', 'fail'), { process: 'c0calc0', f: 'calc', start: 0, end: 1, outcome: 'fail', error: 'DEADLINE_EXCEEDED' }]), ['failed-idempotent', 'failed-idempotent'])
  t.deepEqual(check([], [{ label: 'heal', at: 0, ms: 10_001 }, { label: 'thaw', at: 0, ms: -1 }, { label: 'ok', at: 0, ms: 9000 }]).anomalies.map(a => a.kind), ['slow-heal', 'slow-heal'])
})

test('the indexed look-ups agree with the definitions on random histories', t => {
  // the definitions, read straight off the history
  const naive = (ops: Op[]): string[] => {
    const out: string[] = []
    const writes = ops.filter(o => o.f === 'write')
    for (const op of ops) {
      if (op.f !== 'read' || op.outcome !== 'ok') continue
      const got = op.value === null ? 0 : Number(String(op.value).slice(2))
      if (got > 0 && !writes.some(x => x.value === op.value && x.start < op.end)) { out.push('never-written'); continue }
      const floor = Math.max(0, ...writes.filter(x => x.outcome === 'ok' && x.end < op.start).map(x => Number(String(x.value).slice(2))))
      if (got < floor) out.push('stale-read')
    }
    return out
  }
  fc.assert(fc.property(
    fc.array(fc.record({ write: fc.boolean(), seq: fc.integer({ min: 0, max: 6 }), start: fc.integer({ min: 0, max: 100 }), len: fc.integer({ min: 0, max: 30 }), ok: fc.boolean() }), { maxLength: 40 }),
    specs => {
      const ops = specs.map(x => x.write
        ? w(Math.max(1, x.seq), x.start, x.start + x.len, x.ok ? 'ok' : 'info')
        : r(x.seq === 0 ? null : `k=${x.seq}`, x.start, x.start + x.len))
      t.deepEqual(kinds(ops), naive(ops))
    }
  ), { numRuns: 300 })
})
