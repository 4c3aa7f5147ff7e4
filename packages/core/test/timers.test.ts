import test from 'ava'
import { DeadlineQueue, MAX_TIMER_DELAY_MS, budgetMs, clearDeadlineTimer, setDeadlineTimer } from '../src/timers.js'
import type { Deadlined } from '../src/timers.js'

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

interface Entry extends Deadlined { name: string }
const entry = (name: string): Entry => ({ name, deadlineAt: 0, deadlineSlot: -1 })

test('a deadline queue expires its entries once each, in deadline order, none before its deadline', async t => {
  const expired: Array<[string, number]> = []
  const start = performance.now()
  const q = new DeadlineQueue<Entry>(e => { expired.push([e.name, performance.now() - start]) })
  const delays = [60, 20, 40, 20, 80, 10]
  delays.forEach((ms, i) => { q.add(entry(`e${i}:${ms}`), ms) })
  await waitUntil(() => expired.length === delays.length, 2000)
  t.deepEqual(expired.map(([n]) => Number(n.split(':')[1])), [...delays].sort((a, b) => a - b))
  for (const [n, at] of expired) t.true(at >= Number(n.split(':')[1]), `${n} expired at ${at} ms`)
  t.is(q.size, 0)
})

test('a removed entry never expires; the others still do, also when the earliest was removed', async t => {
  const expired: string[] = []
  const q = new DeadlineQueue<Entry>(e => { expired.push(e.name) })
  const a = entry('a'); const b = entry('b'); const c = entry('c'); const d = entry('d')
  q.add(a, 10); q.add(b, 30); q.add(c, 20); q.add(d, 40)
  q.remove(a); q.remove(c)
  q.remove(c) // twice: nothing
  t.is(q.size, 2)
  await waitUntil(() => expired.length === 2, 2000)
  await new Promise(resolve => setTimeout(resolve, 30))
  t.deepEqual(expired, ['b', 'd'])
})

test('a deadline queue keeps the heap order through many random adds and removes', t => {
  const q = new DeadlineQueue<Entry>(() => {})
  const live = new Set<Entry>()
  let seed = 7
  const rand = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31 }
  for (let i = 0; i < 2000; i++) {
    if (live.size > 0 && rand() < 0.45) {
      const all = [...live]
      const e = all[Math.floor(rand() * all.length)]
      q.remove(e)
      live.delete(e)
    } else {
      const e = entry(String(i))
      q.add(e, 1000 + rand() * 10_000)
      live.add(e)
    }
  }
  t.is(q.size, live.size)
  const heap = (q as unknown as { heap: Entry[] }).heap
  heap.forEach((e, i) => {
    t.is(e.deadlineSlot, i)
    if (i > 0) t.true(heap[(i - 1) >> 1].deadlineAt <= e.deadlineAt)
  })
  q.clear()
  t.is(q.size, 0)
})

test('a deadline beyond 2^31 - 1 ms in a queue does not fire early; the timer holds the process only while entries wait', async t => {
  let fired = false
  const q = new DeadlineQueue<Entry>(() => { fired = true })
  const e = entry('far')
  q.add(e, MAX_TIMER_DELAY_MS + 10)
  await new Promise(resolve => setTimeout(resolve, 50))
  t.false(fired)
  const timer = (q as unknown as { timer: ReturnType<typeof setTimeout> }).timer
  t.true(timer.hasRef())
  q.remove(e)
  t.false(timer.hasRef())
  q.clear()
})

async function waitUntil (cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}
