import test from 'ava'
import fc from 'fast-check'
import { createBalancer, type Balancer, type Candidate } from '../src/index.js'
import { PeakEwma } from '../src/ewma.js'
import { HedgingPolicy } from '../src/hedging.js'
import { Lingering } from '../src/lingering.js'
import { latencyTier, slowThreshold, SLOW_PROBE_INTERVAL_MS, TIER_NORMAL, TIER_PROBE, TIER_SLOW } from '../src/slow.js'
import { createP2cPicker } from '../src/p2c.js'
import { fakeContext, cands } from './fakes.js'

function clocked (): { bal: Balancer, clock: { t: number } } {
  const clock = { t: 1_000_000 }
  return { bal: createBalancer({ seed: 3, now: () => clock.t }), clock }
}

/** One call answered by `peer` after `ms` (and the clock moved on by 1 ms). */
function answer (bal: Balancer, clock: { t: number }, peer: string, ms: number): void {
  bal.onCall(); bal.onStart(peer); clock.t += 1; bal.onEnd(peer, { latencyMs: ms, ok: true })
}

test('peak EWMA: a spike is forgotten within tens of samples however frequent they are; reads decay by time only', t => {
  const cases = [
    { name: '1,000 samples a second', gapMs: 1 },
    { name: '10 samples a second', gapMs: 100 }
  ]
  for (const c of cases) {
    const e = new PeakEwma(0)
    let now = 0
    e.observe(5, now)
    e.observe(17, now += c.gapMs)
    t.is(e.get(now), 17, `${c.name}: the peak is taken at once`)
    for (let i = 0; i < 48; i++) e.observe(5, now += c.gapMs)
    t.true(e.get(now) < 5.6, `${c.name}: back near 5 ms after 48 samples: ${e.get(now).toFixed(2)}`)
  }
  // the old rule (weight by elapsed time alone) keeps the spike at 1,000 samples a second
  const finagle = new PeakEwma(0, 10_000, 0)
  let now = 0
  finagle.observe(17, now)
  for (let i = 0; i < 48; i++) finagle.observe(5, now += 1)
  t.true(finagle.get(now) > 16.9, 'minWeight 0 is Finagle\'s rule: still 17 ms')
  const r = new PeakEwma(0)
  r.observe(40, 0)
  t.is(r.get(0), 40)
  const decayed = r.get(10_000)
  t.true(Math.abs(decayed - 40 * Math.exp(-1)) < 1e-9, 'a read decays by elapsed time only, not by the minimum weight')
  r.reset(4, 10_000)
  t.is(r.get(10_000), 4, 'reset replaces the estimate, down as well as up')
})

test('table: the slow threshold is 3x the lower median of the known expected latencies', t => {
  const cases: Array<[string, number[], number]> = [
    ['nothing known', [], Infinity],
    ['one known', [0, 5, 0], Infinity],
    ['3 fast, 1 slow', [5, 40, 5, 6], 15],
    ['7 fast, 1 slow', [5, 5, 6, 5, 4, 5, 5, 50], 15],
    ['two peers: the faster one is the reference', [5, 40], 15],
    ['half slow', [5, 5, 40, 40], 15],
    ['all slow alike: none is', [40, 42, 41, 40], 120],
    ['unknown peers do not lower it', [0, 0, 0, 5, 6, 40], 18]
  ]
  for (const [name, xs, want] of cases) t.is(slowThreshold(xs), want, name)
})

test('hedges sent and refused are counted', t => {
  const h = new HedgingPolicy(() => 0, { minPerSecond: 0 })
  h.deposit()
  t.false(h.tryAcquire())
  for (let i = 0; i < 20; i++) h.deposit()
  t.true(h.tryAcquire())
  t.deepEqual([h.sent, h.refused], [1, 1])
})

test('table: lingering abandoned attempts count until their expected end', t => {
  const l = new Lingering()
  l.add(0, 5, 40) // abandoned after 5 ms at a 40 ms peer: runs until 35
  l.add(0, 50, 40) // already past its estimate: not counted
  l.add(10, 2, 4) // until 12
  t.is(l.count(11), 2)
  t.is(l.count(12), 1)
  t.is(l.count(34.9), 1)
  t.is(l.count(35), 0)
  for (let i = 0; i < 100; i++) l.add(100, 0, 1000)
  t.is(l.count(100), 64, 'bounded')
})

test('table: latency tiers', t => {
  const s = (probeAt: number, inflight = 0, callsSince = 100) => ({ probeAt, inflight, callsSince })
  const cases: Array<[string, number, number]> = [
    ['fast peer', latencyTier(5, 20, s(-Infinity), 0, true), TIER_NORMAL],
    ['threshold unknown', latencyTier(500, Infinity, s(-Infinity), 0, true), TIER_NORMAL],
    ['slow, never probed, call may probe', latencyTier(40, 20, s(-Infinity), 0, true), TIER_PROBE],
    ['slow, call may not probe', latencyTier(40, 20, s(-Infinity), 0, false), TIER_SLOW],
    ['slow, probed 999 ms ago', latencyTier(40, 20, s(1), SLOW_PROBE_INTERVAL_MS, true), TIER_SLOW],
    ['slow, probed 1 s ago', latencyTier(40, 20, s(0), SLOW_PROBE_INTERVAL_MS, true), TIER_PROBE],
    ['slow, a call still in flight there', latencyTier(40, 20, s(-Infinity, 1), 0, true), TIER_SLOW],
    ['slow, probed 1 s ago but 99 calls since', latencyTier(40, 20, s(0, 0, 99), SLOW_PROBE_INTERVAL_MS, true), TIER_SLOW]
  ]
  for (const [name, got, want] of cases) t.is(got, want, name)
})

test('table: p2c compares tiers before costs', t => {
  const p = createP2cPicker(cands('fast', 'slow'))
  const costs = { fast: 1000, slow: 1 }
  for (let seed = 1; seed <= 20; seed++) {
    t.is(p.pick(fakeContext({ seed, costs, tiers: { slow: TIER_SLOW } })), 'fast', 'slow loses whatever the costs')
    t.is(p.pick(fakeContext({ seed, costs: { fast: 1, slow: 1000 }, tiers: { slow: TIER_PROBE } })), 'slow', 'a probe wins whatever the costs')
    t.is(p.pick(fakeContext({ seed, costs })), 'slow', 'same tier: cost decides')
  }
  t.deepEqual(p.order(fakeContext({ costs, tiers: { slow: TIER_SLOW } })), ['fast', 'slow'], 'order: slow peers last')
})

/** 4 peers: `a` answers in 40 ms, the others in 4 ms; enough calls for the hedging delay. */
function slowCluster (): { bal: Balancer, clock: { t: number }, cs: Candidate[] } {
  const { bal, clock } = clocked()
  const cs: Candidate[] = ['a', 'b', 'c', 'd'].map(peerId => ({ peerId }))
  for (let i = 0; i < 100; i++) answer(bal, clock, ['b', 'c', 'd'][i % 3], 4 + (i % 5) * 0.2)
  answer(bal, clock, 'a', 40)
  clock.t += 1
  bal.pick(cs, { strategy: 'p2c', service: 's' }) // slowness is judged at a pick, against its candidates
  return { bal, clock, cs }
}

test('property: p2c never sends a call that may not probe to a slow peer, whatever the other peers\' queues', t => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 64 }), { minLength: 3, maxLength: 3 }), fc.integer({ min: 0, max: 1e6 }), (queues, salt) => {
    const { bal, cs } = slowCluster()
    t.true(bal.stats('a').slow)
    queues.forEach((q, i) => { for (let k = 0; k < q; k++) bal.onStart(['b', 'c', 'd'][i]) })
    for (let i = 0; i < 50 + salt % 7; i++) {
      if (bal.pick(cs, { strategy: 'p2c', service: 's' }) === 'a') return false
    }
    return true
  }), { seed: 18, numRuns: 200 })
})

test('a slow peer gets one probe a second from calls that may probe, hedged at once; its answer replaces the estimate', t => {
  const { bal, clock, cs } = slowCluster()
  t.true(bal.hedgeDelayMs('b')! > 4, 'an attempt at a fast peer waits the p95')
  const picks = (n: number, mayProbe: boolean): number => {
    let probes = 0
    for (let i = 0; i < n; i++) {
      bal.onCall()
      const p = bal.pick(cs, { strategy: 'p2c', service: 's', mayProbe })!
      if (p === 'a') t.is(bal.hedgeDelayMs('a'), 0, 'a probe is hedged at once')
      else t.true(bal.hedgeDelayMs(p)! >= 4)
      bal.onStart(p)
      if (p === 'a') probes++
      else bal.onEnd(p, { latencyMs: 4, ok: true })
      clock.t += 1
    }
    return probes
  }
  t.is(picks(1000, false), 0, 'calls that may not probe never go to the slow peer')
  const start = clock.t
  t.is(picks(20, true), 1, 'a call that may probe probes it at once')
  const probeAt = start + bal.stats('a').calls // calls so far: the warm-up's one answer, then picks until the probe
  t.is(picks(40, true), 0, 'one probe in flight at a time')
  bal.onEnd('a', { latencyMs: 40, ok: true }) // still slow
  t.true(bal.stats('a').slow)
  t.is(picks(probeAt + 1000 - clock.t - 2, true), 0, 'the next probe waits its second')
  t.is(picks(20, true), 1)
  bal.onEnd('a', { latencyMs: 4, ok: true }) // recovered
  t.false(bal.stats('a').slow, 'a probe that answers fast makes the peer usable again at once')
  t.is(bal.stats('a').latencyMs, 4)
  let toA = 0
  for (let i = 0; i < 400; i++) {
    const p = bal.pick(cs, { strategy: 'p2c', service: 's' })!
    bal.onStart(p); bal.onEnd(p, { latencyMs: 4, ok: true }); clock.t += 1
    if (p === 'a') toA++
  }
  t.true(toA > 50, `the recovered peer takes its share: ${toA} of 400`)
})

test('round-robin\'s turns at a slow peer are not probes: hedged after the p95, within the budget', t => {
  const { bal, clock, cs } = slowCluster()
  let atSlow = 0
  for (let i = 0; i < 400; i++) {
    bal.onCall()
    const p = bal.pick(cs, { strategy: 'round-robin', service: 's', mayProbe: true })!
    if (p === 'a') { atSlow++; t.true(bal.hedgeDelayMs(p)! > 4) }
    bal.onStart(p); clock.t += 1; bal.onEnd(p, { latencyMs: p === 'a' ? 40 : 4, ok: true })
  }
  t.is(atSlow, 100)
})

test('when every peer is slow, none is: slowness is relative to the other candidates', t => {
  const { bal, clock } = clocked()
  const cs = ['a', 'b', 'c'].map(peerId => ({ peerId }))
  for (let i = 0; i < 100; i++) answer(bal, clock, ['a', 'b', 'c'][i % 3], 40 + (i % 7))
  bal.pick(cs, { strategy: 'p2c', service: 's' })
  t.false(bal.stats('a').slow)
  t.true(bal.hedgeDelayMs('a')! > 40)
  // the caller stalls: every peer's next answer takes 300 ms; none becomes slow, and after 16 normal answers each
  // the threshold is back
  for (const p of ['a', 'b', 'c']) answer(bal, clock, p, 300)
  clock.t += 2
  bal.pick(cs, { strategy: 'p2c', service: 's' })
  t.false(bal.stats('a').slow)
})

test('hedging delay samples: first attempts only, and a first attempt a hedge beat counts at the time it had waited', t => {
  const { bal, clock } = clocked()
  for (let i = 0; i < 100; i++) answer(bal, clock, 'b', 10)
  t.is(bal.hedging.delayMs(), 10)
  // 20 calls whose first attempt was beaten by a hedge after 30 ms: the hedge answered in 5 ms
  for (let i = 0; i < 20; i++) {
    bal.onCall(); bal.onStart('a'); bal.onStart('b')
    clock.t += 30
    bal.onEnd('b', { latencyMs: 5, ok: true, hedge: true })
    bal.onEnd('a', { latencyMs: 30, ok: false, failureKind: 'cancelled' })
  }
  t.is(bal.hedging.delayMs(), 30, '20 of 120 calls waited 30 ms: the p95 is 30 ms, not the 10 ms of the answers')
  // a hedge that lost is not a sample either
  for (let i = 0; i < 880; i++) answer(bal, clock, 'b', 10)
  for (let i = 0; i < 100; i++) {
    bal.onCall(); bal.onStart('b'); bal.onStart('c')
    bal.onEnd('b', { latencyMs: 12, ok: true })
    bal.onEnd('c', { latencyMs: 1, ok: false, failureKind: 'cancelled', hedge: true })
  }
  t.is(bal.hedging.delayMs(), 12)
})
