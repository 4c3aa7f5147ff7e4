import test from 'ava'
import { simulate } from '../sim/engine.js'
import { SLOW } from '../sim/run.js'

// The balancing goals' figures, asserted on the seeded simulation (the doc run uses the same seed and call count).
const CALLS = 100_000

test('one of 8 peers 10x slower: p2c p99 <= 2x the all-healthy p99 and <= 0.3x the round-robin p99', t => {
  const healthy = simulate({ strategy: 'p2c', calls: CALLS, seed: 1 })
  const p2c = simulate({ strategy: 'p2c', calls: CALLS, seed: 1, serviceMsByPeer: SLOW })
  const rr = simulate({ strategy: 'round-robin', calls: CALLS, seed: 1, serviceMsByPeer: SLOW })
  t.log(`p99: all healthy ${healthy.p99Ms.toFixed(1)} ms, p2c with a slow peer ${p2c.p99Ms.toFixed(1)} ms, round-robin ${rr.p99Ms.toFixed(1)} ms`)
  t.is(p2c.calls, CALLS)
  t.true(p2c.p99Ms <= 2 * healthy.p99Ms)
  t.true(p2c.p99Ms <= 0.3 * rr.p99Ms)
  t.true(p2c.shareOfPeer0 < 0.01, 'p2c sends under 1% of calls to the slow peer')
})

test('equal peers: max/mean calls per peer <= 1.05 over 100k calls', t => {
  for (const strategy of ['p2c', 'round-robin', 'random'] as const) {
    const r = simulate({ strategy, calls: CALLS, seed: 1 })
    t.log(`${strategy}: max/mean ${r.maxOverMean.toFixed(3)}`)
    t.true(r.maxOverMean <= 1.05, strategy)
  }
})

test('hedging stays within its 5% budget and cuts the tail', t => {
  const plain = simulate({ strategy: 'p2c', calls: CALLS, seed: 1, serviceMsByPeer: SLOW })
  const hedged = simulate({ strategy: 'p2c', calls: CALLS, seed: 1, serviceMsByPeer: SLOW, hedge: true })
  t.log(`hedges ${hedged.hedges}, p99 ${plain.p99Ms.toFixed(1)} -> ${hedged.p99Ms.toFixed(1)} ms`)
  t.true(hedged.hedges > 0)
  t.true(hedged.hedges <= 0.05 * CALLS)
  t.true(hedged.p99Ms < plain.p99Ms)
})

test('the simulation is deterministic for a seed', t => {
  const a = simulate({ strategy: 'p2c', calls: 5000, seed: 9, serviceMsByPeer: SLOW })
  const b = simulate({ strategy: 'p2c', calls: 5000, seed: 9, serviceMsByPeer: SLOW })
  t.deepEqual(a, b)
  const c = simulate({ strategy: 'p2c', calls: 5000, seed: 10, serviceMsByPeer: SLOW })
  t.notDeepEqual(a.perPeer, c.perPeer)
})

test('80% busy: p2c beats round-robin and random at p99; taking gossiped in-flight as max herds (why it is not the default)', t => {
  const rate = 2560
  const p2c = simulate({ strategy: 'p2c', calls: CALLS, seed: 1, ratePerSec: rate })
  const rr = simulate({ strategy: 'round-robin', calls: CALLS, seed: 1, ratePerSec: rate })
  const random = simulate({ strategy: 'random', calls: CALLS, seed: 1, ratePerSec: rate })
  const herd = simulate({ strategy: 'p2c', calls: CALLS, seed: 1, ratePerSec: rate, balancer: { cost: { gossipInflight: 'max' } } })
  t.log(`p99 at 80%: p2c ${p2c.p99Ms.toFixed(1)}, round-robin ${rr.p99Ms.toFixed(1)}, random ${random.p99Ms.toFixed(1)}, p2c with max(gossip) ${herd.p99Ms.toFixed(1)} ms`)
  t.true(p2c.p99Ms < rr.p99Ms)
  t.true(p2c.p99Ms < random.p99Ms)
  t.true(herd.p50Ms > 3 * p2c.p50Ms)
})
