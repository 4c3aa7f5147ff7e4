import test from 'ava'
import { memberUtilisation, ScalingAdvisor, type MemberLoad } from '../src/advisor.js'

const loads = (n: number, u: number, at = 0): MemberLoad[] =>
  Array.from({ length: n }, (_, i) => ({ peerId: `p${i}`, inflight: 0, latencyMs: 5, cpu: u, at }))

test('table: a member\'s utilisation is its most loaded signal', t => {
  const cases: Array<[MemberLoad, number, string]> = [
    [{ peerId: 'a', inflight: 0, latencyMs: 1, cpu: 0.7 }, 0.7, 'cpu'],
    [{ peerId: 'a', inflight: 0, latencyMs: 1, cpu: 0.2, eventLoopDelayMs: 40 }, 0.8, 'event-loop'],
    [{ peerId: 'a', inflight: 32, latencyMs: 1 }, 0.5, 'in-flight']
  ]
  for (const [l, u, s] of cases) t.deepEqual(memberUtilisation(l), { utilisation: u, signal: s })
})

test('table: recommendation from utilisation, with tolerance', t => {
  const cases: Array<{ n: number, u: number, action: string, recommended: number }> = [
    { n: 4, u: 0.6, action: 'hold', recommended: 4 },
    { n: 4, u: 0.64, action: 'hold', recommended: 4 }, // within 10% of target
    { n: 4, u: 0.9, action: 'scale-up', recommended: 6 },
    { n: 10, u: 1.2, action: 'scale-up', recommended: 20 }
  ]
  for (const c of cases) {
    const a = new ScalingAdvisor(() => 0).advise(loads(c.n, c.u))
    t.is(a.action as string, c.action, JSON.stringify(c))
    t.is(a.recommended, c.recommended, JSON.stringify(c))
    t.true(a.reason.length > 20)
  }
})

test('scale down only after utilisation stayed low for the whole window (no flapping)', t => {
  const clock = { t: 0 }
  const adv = new ScalingAdvisor(() => clock.t)
  // load flaps between high and low every 30 s: the count goes up and never flaps down
  const counts: number[] = []
  let n = 8
  for (let i = 0; i < 20; i++) {
    clock.t = i * 30_000
    const a = adv.advise(loads(n, i % 2 === 0 ? 0.75 * 8 / n : 0.2 * 8 / n, clock.t))
    n = a.recommended
    counts.push(n)
  }
  t.is(new Set(counts).size, 1, `counts ${counts.join(',')}`)
  // a steadily idle cluster scales down, but only after 300 s
  const adv2 = new ScalingAdvisor(() => clock.t)
  clock.t = 0
  const first = adv2.advise(loads(10, 0.6))
  t.is(first.action, 'hold')
  clock.t = 1000
  const early = adv2.advise(loads(10, 0.15, 1000))
  t.is(early.action, 'hold')
  t.regex(early.reason, /not for the whole 300 s window/)
  clock.t = 302_000
  const later = adv2.advise(loads(10, 0.15, 302_000))
  t.is(later.action, 'scale-down')
  t.is(later.recommended, 3)
  t.regex(later.reason, /remove 7/)
})

test('stale snapshots are ignored and said so; bounds apply', t => {
  const clock = { t: 100_000 }
  const adv = new ScalingAdvisor(() => clock.t, { maxPeers: 5, minPeers: 2 })
  const a = adv.advise([...loads(3, 0.95, 100_000), ...loads(2, 0, 0).map(l => ({ ...l, peerId: 'old' + l.peerId }))])
  t.is(a.current, 3)
  t.is(a.recommended, 5)
  t.regex(a.reason, /2 stale snapshots ignored/)
  t.is(adv.advise([]).action, 'hold')
})

test('a hold says why: within the band, at the minimum, or one peer fewer would overshoot', t => {
  const at = (peers: number, u: number, minPeers = 1): string => {
    const advisor = new ScalingAdvisor(() => 0, { minPeers })
    return advisor.advise(Array.from({ length: peers }, (_, i) => ({ peerId: `p${i}`, inflight: 0, latencyMs: 1, cpu: u }))).reason
  }
  t.regex(at(4, 0.62), /within 10% of the 60% target/)
  t.regex(at(1, 0.1), /below the 60% target, but fewer peers would be above it/)
  t.regex(at(3, 0.1, 3), /3 is the minimum of 3/)
})
