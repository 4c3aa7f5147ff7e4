import test from 'ava'
import { expectedConfirmations, healthScaledSuspicionTimeout, remainingSuspicionTime, suspicionTimeout } from '../src/suspicion.js'

// memberlist util_test.go TestSuspicionTimeout: suspicionTimeout(3, n, 1 s) / 3
const timeouts: Array<[number, number]> = [[5, 1000], [10, 1000], [50, 1698], [100, 2000], [500, 2698], [1000, 3000]]
for (const [n, want] of timeouts) {
  test(`suspicionTimeout(3, ${n}, 1000) / 3 = ${want} ms (memberlist table)`, t => {
    t.is(Math.floor(suspicionTimeout(3, n, 1000) / 3), want)
  })
}

test('suspicionTimeout: mult x max(1, log10 N) x T for the LAN and fast profiles', t => {
  const rows: Array<[number, number, number, number]> = [
    // mult, n, T, expected ms
    [4, 1, 1000, 4000], [4, 8, 1000, 4000], [4, 10, 1000, 4000], [4, 100, 1000, 8000], [4, 1000, 1000, 12000],
    [3, 8, 200, 600], [3, 16, 200, 722]
  ]
  for (const [mult, n, T, want] of rows) t.is(suspicionTimeout(mult, n, T), want, `mult ${mult} n ${n} T ${T}`)
})

// memberlist suspicion_test.go TestSuspicion_remainingSuspicionTime
const remaining: Array<[number, number, number, number, number, number]> = [
  // confirmations, k, elapsed, min, max, expected (ms)
  [0, 3, 0, 2000, 30000, 30000],
  [1, 3, 2000, 2000, 30000, 14000],
  [2, 3, 3000, 2000, 30000, 4810],
  [3, 3, 4000, 2000, 30000, -2000],
  [4, 3, 5000, 2000, 30000, -3000],
  [5, 3, 10000, 2000, 30000, -8000]
]
for (const [n, k, elapsed, min, max, want] of remaining) {
  test(`remainingSuspicionTime(${n}, ${k}, ${elapsed}) = ${want} (memberlist table)`, t => {
    t.is(remainingSuspicionTime(n, k, elapsed, min, max), want)
  })
}

test('remainingSuspicionTime with k = 0 is the minimum', t => {
  t.is(remainingSuspicionTime(0, 0, 500, 2000, 30000), 1500)
})

test('expectedConfirmations: mult - 2, or 0 in a cluster too small to provide them', t => {
  const rows: Array<[number, number, number]> = [[4, 3, 0], [4, 4, 2], [4, 100, 2], [3, 2, 0], [3, 3, 1], [2, 50, 0]]
  for (const [mult, n, want] of rows) t.is(expectedConfirmations(mult, n), want, `mult ${mult} n ${n}`)
})

// timeout, score, max -> scaled
const scaled: Array<[number, number, number, number]> = [
  [6000, 0, 36000, 6000], // healthy: Lifeguard's own timeout
  [6000, 1, 36000, 12000],
  [6000, 5, 36000, 36000],
  [6000, 7, 36000, 36000], // capped at the longest timeout
  [36000, 3, 36000, 36000], // no confirmations yet: already at the longest
  [2000, 7, 1500, 2000], // never below the unscaled timeout
  [0, 4, 36000, 0]
]
for (const [timeout, score, max, want] of scaled) {
  test(`healthScaledSuspicionTimeout(${timeout}, ${score}, ${max}) = ${want}`, t => {
    t.is(healthScaledSuspicionTimeout(timeout, score, max), want)
  })
}
