import test from 'ava'
import { MAX_TIMER_DELAY_MS, budgetMs, clearDeadlineTimer, setDeadlineTimer } from '../src/timers.js'

test('budgetMs: finite positive is a deadline; 0 and Infinity are none', t => {
  t.is(budgetMs(5), 5)
  t.is(budgetMs(2 ** 40), 2 ** 40)
  t.is(budgetMs(0), undefined)
  t.is(budgetMs(Infinity), undefined)
})

test('a deadline beyond 2^31 - 1 ms does not fire early (no clamping to 1 ms) and can be cancelled', async t => {
  let fired = false
  const timer = setDeadlineTimer(() => { fired = true }, MAX_TIMER_DELAY_MS + 10, true)
  await new Promise(resolve => setTimeout(resolve, 50))
  t.false(fired)
  clearDeadlineTimer(timer)
})

test('a short deadline fires once, on time', async t => {
  const start = Date.now()
  let fired = 0
  setDeadlineTimer(() => { fired++ }, 30)
  await new Promise(resolve => setTimeout(resolve, 120))
  t.is(fired, 1)
  t.true(Date.now() - start >= 30)
})
