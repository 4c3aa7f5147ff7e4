import test from 'ava'
import fc from 'fast-check'
import { HybridClock, compareHlc, formatHlc } from '../src/hlc.js'

test('tick follows physical time and counts within one millisecond', t => {
  let now = 1000
  const c = new HybridClock({ now: () => now })
  t.deepEqual(c.tick(), { wall: 1000, logical: 0 })
  t.deepEqual(c.tick(), { wall: 1000, logical: 1 })
  now = 1005
  t.deepEqual(c.tick(), { wall: 1005, logical: 0 })
})

test('never goes backwards when the physical clock does', t => {
  let now = 5000
  const c = new HybridClock({ now: () => now })
  const a = c.tick()
  now = 4000
  const b = c.tick()
  t.true(compareHlc(b, a) > 0)
  t.deepEqual(b, { wall: 5000, logical: 1 })
})

const table: Array<[string, { wall: number, logical: number }, { wall: number, logical: number }, number, { wall: number, logical: number }]> = [
  // name, local state (after tick), remote, physical now, expected receive
  ['remote ahead', { wall: 100, logical: 3 }, { wall: 200, logical: 7 }, 150, { wall: 200, logical: 8 }],
  ['local ahead', { wall: 300, logical: 2 }, { wall: 200, logical: 9 }, 150, { wall: 300, logical: 3 }],
  ['equal walls', { wall: 300, logical: 2 }, { wall: 300, logical: 9 }, 150, { wall: 300, logical: 10 }],
  ['physical ahead of both', { wall: 100, logical: 2 }, { wall: 120, logical: 9 }, 500, { wall: 500, logical: 0 }]
]

for (const [name, local, remote, now, expected] of table) {
  test(`receive: ${name}`, t => {
    let pt = local.wall
    const c = new HybridClock({ now: () => pt })
    for (let i = 0; i <= local.logical; i++) c.tick()
    t.deepEqual(c.peek(), local)
    pt = now
    t.deepEqual(c.receive(remote), expected)
  })
}

test('a remote timestamp far in the future is not merged', t => {
  const c = new HybridClock({ now: () => 1000, maxDriftMs: 100 })
  const r = c.receive({ wall: 1_000_000, logical: 0 })
  t.is(r.wall, 1000)
  t.is(c.rejected, 1)
})

test('send happens-before receive across clocks with skew (property)', t => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 5 }), fc.integer({ min: -50, max: 50 })), { maxLength: 200 }), steps => {
    let ta = 10_000
    let tb = 10_000
    const a = new HybridClock({ now: () => ta })
    const b = new HybridClock({ now: () => tb })
    let last = { wall: 0, logical: 0 }
    for (const [aToB, advance, skew] of steps) {
      ta += advance
      tb = ta + skew
      const [from, to] = aToB ? [a, b] : [b, a]
      const sent = from.tick()
      const got = to.receive(sent)
      if (compareHlc(got, sent) <= 0) return false
      if (compareHlc(got, last) <= 0 && to === (aToB ? b : a) && compareHlc(last, got) === 0) return false
      last = got
    }
    return true
  }), { numRuns: 500 })
  t.pass()
})

test('formatHlc sorts as the timestamps do', t => {
  const xs = [{ wall: 2, logical: 0 }, { wall: 1, logical: 10 }, { wall: 1, logical: 9 }]
  t.deepEqual([...xs].sort(compareHlc).map(formatHlc), xs.map(formatHlc).sort())
})

test('a physical time given by the caller is used instead of reading the clock, and stays monotonic when a little in the past', t => {
  let reads = 0
  const c = new HybridClock({ now: () => { reads++; return 1000 } })
  t.deepEqual(c.tick(2000), { wall: 2000, logical: 0 })
  t.deepEqual(c.tick(1990), { wall: 2000, logical: 1 }, 'a stale physical time: the counter advances')
  t.deepEqual(c.receive({ wall: 2000, logical: 5 }, 1995), { wall: 2000, logical: 6 })
  t.deepEqual(c.receive({ wall: 2500, logical: 0 }, 2400), { wall: 2500, logical: 1 })
  t.deepEqual(c.receive({ wall: 2400 + 120_000, logical: 0 }, 2400), { wall: 2500, logical: 2 }, 'too far ahead of the given time: not merged')
  t.is(reads, 0)
})
