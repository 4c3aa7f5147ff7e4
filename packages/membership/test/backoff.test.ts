import test from 'ava'
import { backoffDelay } from '../src/backoff.js'

test('backoffDelay grows exponentially within [base/2, cap] and is capped', t => {
  const rows: Array<[number, number, number]> = [
    // attempt, rnd, expected (base 100, max 10000)
    [0, 0, 50], [0, 0.999, 99], [1, 0, 50], [1, 0.5, 125], [3, 1, 800], [10, 0, 50], [10, 1, 10000], [20, 0.5, 5025]
  ]
  for (const [attempt, rnd, want] of rows) t.is(backoffDelay(attempt, rnd, 100, 10000), want, `attempt ${attempt} rnd ${rnd}`)
})
