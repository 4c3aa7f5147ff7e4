import test from 'ava'
import { jitter, RECORD_BUDGET_PER_SECOND, RECORD_MAX_INTERVAL_MS, recordIntervalMs } from '../src/refresh.js'

test('the refresh period is the base period up to the budget, then grows linearly with the cluster up to its longest', t => {
  t.is(RECORD_BUDGET_PER_SECOND, 2)
  t.is(RECORD_MAX_INTERVAL_MS, 10_000)
  for (const n of [1, 2]) t.is(recordIntervalMs(1000, n), 1000)
  t.is(recordIntervalMs(1000, 4), 2000)
  t.is(recordIntervalMs(1000, 8), 4000)
  t.is(recordIntervalMs(1000, 16), 8000)
  t.is(recordIntervalMs(1000, 20), 10_000)
  t.is(recordIntervalMs(1000, 32), 10_000)
  t.is(recordIntervalMs(1000, 1000), 10_000)
  // the cluster-wide rate stays at the budget up to 20 peers: N / period
  for (const n of [4, 8, 16, 20]) t.true(n / (recordIntervalMs(1000, n) / 1000) <= RECORD_BUDGET_PER_SECOND + 1e-9)
  // and the load stays fresh for the scaling advisor (balancer's LOAD_STALE_MS, 30 s): a refresh, jitter included,
  // comes at least twice in that time whatever N is
  for (const n of [20, 32, 1000, 10_000]) t.true(2 * jitter(recordIntervalMs(1000, n), 0.999) <= 30_000)
})

test('a shorter base period, a custom or disabled budget, a custom longest period', t => {
  t.is(recordIntervalMs(200, 1), 500)
  t.is(recordIntervalMs(200, 4, 8), 500)
  t.is(recordIntervalMs(200, 1, 8), 200)
  t.is(recordIntervalMs(1000, 32, Infinity), 1000)
  t.is(recordIntervalMs(1000, 32, 32), 1000)
  t.is(recordIntervalMs(1000, 0), 1000)
  t.is(recordIntervalMs(1000, 1000, 2, 60_000), 60_000)
  t.is(recordIntervalMs(1000, 32, 8, 2000), 2000)
  // never below the base period, even with a longest period below it
  t.is(recordIntervalMs(5000, 1000, 2, 2000), 5000)
})

test('jitter stays within its share either way', t => {
  t.is(jitter(1000, 0.5), 1000)
  t.is(jitter(1000, 0), 900)
  t.true(jitter(1000, 0.999999) <= 1100)
})
