import test from 'ava'
import { BASE_EJECTION_MS, CONSECUTIVE_FAILURES, MAX_EJECTION_MS, MAX_EJECTION_PERCENT, OutlierDetector } from '../src/outlier.js'

test('defaults are gRPC/Envoy outlier detection defaults', t => {
  t.deepEqual([CONSECUTIVE_FAILURES, BASE_EJECTION_MS, MAX_EJECTION_MS, MAX_EJECTION_PERCENT], [5, 30_000, 300_000, 10])
})

function setup (peers = 10): { d: OutlierDetector, clock: { t: number } } {
  const clock = { t: 0 }
  const d = new OutlierDetector(() => clock.t)
  for (let i = 0; i < peers; i++) d.track(`p${i}`)
  return { d, clock }
}
const fail = (d: OutlierDetector, peer: string, n: number): void => { for (let i = 0; i < n; i++) { d.onStart(peer); d.onEnd(peer, true) } }

test('table: consecutive failures eject; a success in between resets the count', t => {
  const cases: Array<{ name: string, seq: boolean[], state: string }> = [
    { name: '4 failures', seq: [true, true, true, true], state: 'healthy' },
    { name: '5 failures', seq: [true, true, true, true, true], state: 'ejected' },
    { name: '4 failures, a success, 4 failures', seq: [true, true, true, true, false, true, true, true, true], state: 'healthy' }
  ]
  for (const c of cases) {
    const { d } = setup()
    for (const f of c.seq) { d.onStart('p0'); d.onEnd('p0', f) }
    t.is(d.state('p0') as string, c.state, c.name)
  }
})

test('ejection time grows with each ejection, capped; half-open allows one probe at a time', t => {
  const { d, clock } = setup()
  fail(d, 'p0', 5)
  t.is(d.state('p0'), 'ejected')
  t.false(d.available('p0'))
  clock.t = 29_999
  t.is(d.state('p0'), 'ejected')
  clock.t = 30_000
  t.is(d.state('p0'), 'probing')
  t.true(d.available('p0'))
  d.onStart('p0')
  t.false(d.available('p0'), 'one probe in flight: no other call')
  d.onEnd('p0', true) // the probe fails: ejected again, for 2 x base
  t.is(d.state('p0'), 'ejected')
  t.is(d.info('p0').ejections, 2)
  t.is(d.info('p0').ejectedForMs, 60_000)
  clock.t += 60_000
  d.onStart('p0'); d.onEnd('p0', true)
  t.is(d.info('p0').ejectedForMs, 90_000)
  // many more failed probes: capped at max ejection time
  for (let i = 0; i < 20; i++) { clock.t += 400_000; d.onStart('p0'); d.onEnd('p0', true) }
  t.is(d.info('p0').ejectedForMs, 300_000)
  clock.t += 300_000
  d.onStart('p0'); d.onEnd('p0', false) // the probe succeeds
  t.is(d.state('p0'), 'healthy')
  t.true(d.available('p0'))
})

test('the ejection multiplier decays by one per interval of health', t => {
  const { d, clock } = setup()
  fail(d, 'p0', 5) // multiplier 1
  clock.t = 30_000
  d.onStart('p0'); d.onEnd('p0', true) // probe fails: multiplier 2
  clock.t = 90_000
  d.onStart('p0'); d.onEnd('p0', false) // healthy again at 90 s
  clock.t = 90_000 + 10_000 // one interval: multiplier 1, next ejection is 2 x base
  fail(d, 'p0', 5)
  t.is(d.info('p0').ejectedForMs, 60_000)
})

test('max ejection percent: with 10 peers only one is ejected at a time', t => {
  const { d, clock } = setup(10)
  fail(d, 'p0', 5)
  fail(d, 'p1', 5)
  t.is(d.state('p0'), 'ejected')
  t.is(d.state('p1'), 'healthy', '1 of 10 ejected = 10%: no further ejection')
  clock.t = 30_000 // p0's time is up
  fail(d, 'p1', 5)
  t.is(d.state('p1'), 'ejected')
})

test('another peer\'s successes do not reset a peer\'s count; a forgotten peer starts again from zero', t => {
  const { d } = setup(2)
  fail(d, 'p0', CONSECUTIVE_FAILURES - 1)
  for (let i = 0; i < 10; i++) { d.onStart('p1'); d.onEnd('p1', false) }
  t.is(d.info('p0').consecutiveFailures, CONSECUTIVE_FAILURES - 1)
  fail(d, 'p0', 1)
  t.is(d.state('p0'), 'ejected')
  fail(d, 'p1', CONSECUTIVE_FAILURES - 1)
  d.forget('p1')
  fail(d, 'p1', 1)
  t.is(d.info('p1').consecutiveFailures, 1)
})

test('stragglers of an ejected peer do not extend its ejection; forget drops the count', t => {
  const { d } = setup(2)
  fail(d, 'p0', 5)
  const left = d.info('p0').ejectedForMs
  d.onEnd('p0', true)
  t.is(d.info('p0').ejectedForMs, left)
  d.forget('p0')
  t.is(d.state('p0'), 'healthy')
  fail(d, 'p1', 5)
  t.is(d.state('p1'), 'ejected', 'the forgotten ejection no longer counts against the cap')
})

test('allHealthy: false from an ejection until the peer recovers from its probe or leaves', t => {
  const { d, clock } = setup(10)
  t.true(d.allHealthy)
  fail(d, 'p0', CONSECUTIVE_FAILURES)
  t.false(d.allHealthy, 'ejected')
  t.false(d.available('p0'))
  t.true(d.available('p1'))
  clock.t += BASE_EJECTION_MS
  t.is(d.state('p0'), 'probing')
  t.false(d.allHealthy, 'half-open')
  d.onStart('p0')
  t.false(d.available('p0'), 'its probe is in flight')
  d.onEnd('p0', true)
  t.is(d.state('p0'), 'ejected', 'a failed probe ejects it again')
  t.false(d.allHealthy)
  clock.t += 2 * BASE_EJECTION_MS
  d.onStart('p0')
  d.onEnd('p0', false)
  t.is(d.state('p0'), 'healthy')
  t.true(d.allHealthy, 'recovered')
  fail(d, 'p1', CONSECUTIVE_FAILURES)
  t.false(d.allHealthy)
  d.forget('p1')
  t.true(d.allHealthy, 'the ejected peer left')
})
