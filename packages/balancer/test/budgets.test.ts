import test from 'ava'
import { HedgingPolicy } from '../src/hedging.js'
import { RetryBudget } from '../src/retry-budget.js'

test('retry budget: 20% of calls plus 10 per second, over a 10 s window (Finagle defaults)', t => {
  const clock = { t: 0 }
  const b = new RetryBudget(() => clock.t)
  // no calls: the reserve alone, 10/s x 10 s = 100 retries
  let n = 0
  while (b.tryWithdraw()) n++
  t.is(n, 100)
  // 1000 calls in the window allow 20% of them on top
  const c = new RetryBudget(() => clock.t)
  for (let i = 0; i < 1000; i++) c.deposit()
  n = 0
  while (c.tryWithdraw()) n++
  t.is(n, 300)
})

test('retry budget: deposits and withdrawals expire after the ttl', t => {
  const clock = { t: 0 }
  const b = new RetryBudget(() => clock.t, { minPerSecond: 0 })
  for (let i = 0; i < 100; i++) b.deposit()
  t.is(b.balance(), 20)
  clock.t = 5_000
  t.is(b.balance(), 20)
  clock.t = 10_001
  t.is(b.balance(), 0, 'expired')
  t.false(b.tryWithdraw())
})

test('retry budget: steady traffic with failures never retries more than 20% + 10/s', t => {
  const clock = { t: 0 }
  const b = new RetryBudget(() => clock.t)
  let calls = 0; let retries = 0
  for (let ms = 0; ms < 60_000; ms += 1) {
    clock.t = ms
    b.deposit(); calls++
    if (b.tryWithdraw()) retries++ // every call fails and wants a retry
  }
  t.true(retries <= 0.2 * calls + 10 * 60 + 100, `${retries} retries for ${calls} calls`)
  t.true(retries >= 0.2 * calls, 'and it does allow the 20%')
})

test('hedging: no delay until enough samples, then the p95 of recent latencies', t => {
  const clock = { t: 0 }
  const h = new HedgingPolicy(() => clock.t)
  t.is(h.delayMs(), undefined)
  for (let i = 1; i <= 100; i++) h.record(i) // 1..100 ms
  t.is(h.delayMs(), 95)
  const fixed = new HedgingPolicy(() => clock.t, { percentile: 0.5, minDelayMs: 70 })
  for (let i = 1; i <= 100; i++) fixed.record(i)
  t.is(fixed.delayMs(), 70, 'floor')
})

test('hedging: extra requests stay within 5% of calls (the percent budget alone, without the per-second floor)', t => {
  const clock = { t: 0 }
  const h = new HedgingPolicy(() => clock.t, { minPerSecond: 0 })
  let hedges = 0
  for (let i = 0; i < 10_000; i++) {
    clock.t = i // 1 call per ms: the window holds 10 s = 10k calls
    h.deposit()
    if (h.tryAcquire()) hedges++ // every call wants a hedge
  }
  t.true(hedges <= 500 && hedges >= 490, `${hedges} hedges for 10000 calls`)
  const none = new HedgingPolicy(() => 0, { budgetPercent: 0, minPerSecond: 0 })
  none.deposit()
  t.false(none.tryAcquire())
})

test('hedging: the per-second floor lets a caller with little traffic hedge (HEDGE_MIN_PER_SECOND, 1 by default)', t => {
  const clock = { t: 0 }
  const h = new HedgingPolicy(() => clock.t)
  let hedges = 0
  for (let i = 0; i < 20; i++) {
    clock.t = i * 500 // 2 calls per second: the 5% alone would allow one hedge in 10 s
    h.deposit()
    if (h.tryAcquire()) hedges++
  }
  t.true(hedges >= 5, `${hedges} hedges for 20 calls over 10 s`)
  t.true(hedges <= 20 * 0.05 + 10 + 1, `${hedges} hedges: the floor is 1 per second`)
})
