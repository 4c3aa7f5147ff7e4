import test from 'ava'
import { jitter, RECORD_BUDGET_PER_SECOND, recordIntervalMs } from '../src/refresh.js'

test('the refresh period is the base period up to the budget, then grows linearly with the cluster', t => {
  t.is(RECORD_BUDGET_PER_SECOND, 8)
  for (const n of [1, 2, 4, 8]) t.is(recordIntervalMs(1000, n), 1000)
  t.is(recordIntervalMs(1000, 16), 2000)
  t.is(recordIntervalMs(1000, 32), 4000)
  t.is(recordIntervalMs(1000, 1000), 125_000)
  // the cluster-wide rate stays at the budget: N / period
  for (const n of [16, 32, 100, 1000]) t.true(n / (recordIntervalMs(1000, n) / 1000) <= RECORD_BUDGET_PER_SECOND + 1e-9)
})

test('a shorter base period and a custom or disabled budget', t => {
  t.is(recordIntervalMs(200, 4), 500)
  t.is(recordIntervalMs(200, 1), 200)
  t.is(recordIntervalMs(1000, 32, Infinity), 1000)
  t.is(recordIntervalMs(1000, 32, 32), 1000)
  t.is(recordIntervalMs(1000, 0), 1000)
})

test('jitter stays within its share either way', t => {
  t.is(jitter(1000, 0.5), 1000)
  t.is(jitter(1000, 0), 900)
  t.true(jitter(1000, 0.999999) <= 1100)
})
