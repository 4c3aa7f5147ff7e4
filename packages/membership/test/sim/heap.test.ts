import test from 'ava'
import { EventHeap } from '../../src/sim/heap.js'
import { mulberry32 } from '../../src/sim/rng.js'

test('events pop in time order, ties in insertion order', t => {
  const h = new EventHeap<{ at: number, seq: number, v: number }>()
  const rnd = mulberry32(1)
  const items = Array.from({ length: 500 }, (_, i) => ({ at: Math.floor(rnd() * 50), seq: i, v: i }))
  for (const x of items) h.push(x)
  const out: typeof items = []
  for (let x = h.pop(); x !== undefined; x = h.pop()) out.push(x)
  const sorted = [...items].sort((a, b) => a.at - b.at || a.seq - b.seq)
  t.deepEqual(out.map(x => x.v), sorted.map(x => x.v))
})

test('mulberry32 is seeded and uniform enough', t => {
  const a = mulberry32(42); const b = mulberry32(42)
  const xs = Array.from({ length: 10000 }, () => a())
  t.deepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => b()))
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length
  t.true(Math.abs(mean - 0.5) < 0.02)
  t.true(xs.every(x => x >= 0 && x < 1))
})
