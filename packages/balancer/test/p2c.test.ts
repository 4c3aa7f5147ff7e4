import test from 'ava'
import { p2cCost, UNKNOWN_BUSY_PENALTY } from '../src/p2c.js'
import { PeakEwma } from '../src/ewma.js'

test('peak EWMA: a higher sample is taken at once, a lower one averaged in by elapsed time, reads decay', t => {
  const e = new PeakEwma(0, 10_000)
  e.observe(10, 0)
  t.is(e.get(0), 10)
  e.observe(50, 100)
  t.is(e.get(100), 50, 'peak')
  e.observe(10, 100 + 10_000) // one time constant later: w = 1/e (the read at 100 did not move time on)
  const expected = 50 * Math.exp(-1) + 10 * (1 - Math.exp(-1))
  t.true(Math.abs(e.get(10_100) - expected) < 1e-9)
  t.true(e.get(40_100) < expected * Math.exp(-2.9), 'reading decays towards zero, so a slow peer is tried again')
})

const local = (latencyMs: number, inflight: number, sampleAgeMs = 0) => ({ latencyMs, inflight, observed: true, sampleAgeMs })

test('table: p2c cost = latency x (in-flight + 1), mixing local and gossiped figures by freshness', t => {
  const cases: Array<{ name: string, cost: number, expect: number | ((c: number) => boolean) }> = [
    { name: 'nothing known: 0 (new peers are tried first)', cost: p2cCost(undefined, undefined, 0), expect: 0 },
    { name: 'unknown latency but busy: penalty', cost: p2cCost({ latencyMs: 0, inflight: 2, observed: false, sampleAgeMs: 0 }, undefined, 0), expect: UNKNOWN_BUSY_PENALTY },
    { name: 'local only', cost: p2cCost(local(10, 3), undefined, 0), expect: 40 },
    { name: 'gossip only, fresh', cost: p2cCost(undefined, { inflight: 4, latencyMs: 20 }, 0), expect: 100 },
    { name: 'fresh local and fresh gossip: 2:1 mix of latency, local queue', cost: p2cCost(local(10, 1), { inflight: 5, latencyMs: 40 }, 0), expect: 20 * 2 },
    { name: 'the same with gossipInflight max', cost: p2cCost(local(10, 1), { inflight: 5, latencyMs: 40 }, 0, { gossipInflight: 'max' }), expect: 20 * 6 },
    { name: 'cold start: gossiped queue counts, decayed by age', cost: p2cCost({ latencyMs: 0, inflight: 1, observed: false, sampleAgeMs: 0 }, { inflight: 4, latencyMs: 10 }, 3000), expect: 10 * (1 + 4 * Math.exp(-1) + 1) },
    { name: 'stale gossip barely counts', cost: p2cCost(local(10, 1), { inflight: 50, latencyMs: 400 }, 30_000), expect: c => c > 20 && c < 21 },
    { name: 'stale local, fresh gossip: gossip dominates', cost: p2cCost(local(100, 0, 60_000), { inflight: 0, latencyMs: 10 }, 0), expect: c => c > 10 && c < 11 }
  ]
  for (const c of cases) {
    if (typeof c.expect === 'number') t.true(Math.abs(c.cost - c.expect) < 1e-9, `${c.name}: ${c.cost}`)
    else t.true(c.expect(c.cost), `${c.name}: ${c.cost}`)
  }
})
