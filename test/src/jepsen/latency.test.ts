import test from 'ava'
import { latencyDuring, percentile } from './latency.js'
import type { Op } from './history.js'

const op = (f: Op['f'], start: number, ms: number): Op => ({ process: 'c0w0', f, key: 'k', start, end: start + ms, outcome: 'ok' })

test('only reads and writes that start inside a window count; slow ones and percentiles by kind', t => {
  const ops = [
    op('read', 5, 10), op('read', 15, 400), op('write', 12, 1200), op('write', 19, 20),
    op('read', 25, 5000), // outside
    op('calc', 12, 900), // not a read or write
    op('final-read', 12, 900)
  ]
  const l = latencyDuring(ops, [{ from: 10, to: 20 }, { from: 0, to: 6 }])
  t.deepEqual(l, { ops: 4, slow: 2, overSecond: 1, p99ReadMs: 400, p99WriteMs: 1200 })
  t.deepEqual(latencyDuring(ops, []), { ops: 0, slow: 0, overSecond: 0, p99ReadMs: 0, p99WriteMs: 0 })
})

test('nearest-rank percentile', t => {
  const xs = Array.from({ length: 100 }, (_, i) => 100 - i)
  t.is(percentile(xs, 0.99), 99)
  t.is(percentile(xs, 0.5), 50)
  t.is(percentile([7], 0.99), 7)
  t.is(percentile([], 0.99), 0)
})
