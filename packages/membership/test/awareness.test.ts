import test from 'ava'
import { applyAwarenessDelta, failedProbeDelta, latenessDelta, scaleTimeout } from '../src/awareness.js'

test('applyAwarenessDelta clamps to [0, max - 1] (memberlist awareness_test.go sequence)', t => {
  // memberlist TestAwareness: max 8, deltas and expected scores
  const steps: Array<[number, number]> = [[0, 0], [-1, 0], [-10, 0], [1, 1], [-1, 0], [10, 7], [-1, 6], [-1, 5], [-1, 4], [-1, 3], [-1, 2], [-1, 1], [-1, 0], [-1, 0]]
  let score = 0
  for (const [delta, want] of steps) {
    score = applyAwarenessDelta(score, delta, 8)
    t.is(score, want, `after ${delta}`)
    t.is(scaleTimeout(1000, score), 1000 * (want + 1))
  }
})

test('failedProbeDelta: one point per missing nack, one without intermediaries', t => {
  const rows: Array<[number, number, number]> = [[3, 3, 0], [3, 2, 1], [3, 0, 3], [0, 0, 1], [1, 5, 0]]
  for (const [expected, got, want] of rows) t.is(failedProbeDelta(expected, got), want)
})

test('latenessDelta: points per threshold of lateness, capped', t => {
  const rows: Array<[number, number, number, number]> = [[0, 100, 8, 0], [99, 100, 8, 0], [100, 100, 8, 1], [350, 100, 8, 3], [5000, 100, 8, 8], [5000, 100, 1, 1], [10, 0, 8, 0]]
  for (const [late, th, max, want] of rows) t.is(latenessDelta(late, th, max), want, `late ${late}`)
})
