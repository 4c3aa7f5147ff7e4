import test from 'ava'
import { createHashPicker, createLocalFirstPicker, createP2cPicker, createRandomPicker, createRoundRobinPicker, HashRing } from '../src/index.js'
import { cands, fakeContext } from './fakes.js'

test('table: round-robin takes the turn and skips unusable peers', t => {
  const p = createRoundRobinPicker(cands('a', 'b', 'c', 'd'))
  const cases: Array<{ seq: number, ejected?: string[], exclude?: string[], pick: string | undefined, order: string[] }> = [
    { seq: 0, pick: 'a', order: ['a', 'b', 'c', 'd'] },
    { seq: 1, pick: 'b', order: ['b', 'c', 'd', 'a'] },
    { seq: 6, pick: 'c', order: ['c', 'd', 'a', 'b'] },
    { seq: 1, ejected: ['b'], pick: 'c', order: ['c', 'd', 'a', 'b'] },
    { seq: 3, exclude: ['d', 'a'], pick: 'b', order: ['b', 'c'] },
    { seq: 0, exclude: ['a', 'b', 'c', 'd'], pick: undefined, order: [] }
  ]
  for (const c of cases) {
    const ctx = fakeContext(c)
    t.is(p.pick(ctx), c.pick, JSON.stringify(c))
    t.deepEqual(p.order(ctx), c.order, JSON.stringify(c))
  }
})

test('table: random picks only usable peers, uniformly', t => {
  const p = createRandomPicker(cands('a', 'b', 'c', 'd'))
  const cases: Array<{ ejected?: string[], exclude?: string[], allowed: string[] }> = [
    { allowed: ['a', 'b', 'c', 'd'] },
    { ejected: ['a', 'b'], allowed: ['c', 'd'] },
    { exclude: ['a', 'b', 'c'], allowed: ['d'] },
    { exclude: ['a', 'b', 'c', 'd'], allowed: [] }
  ]
  for (const c of cases) {
    const ctx = fakeContext({ ...c, seed: 9 })
    const counts = new Map<string | undefined, number>()
    for (let i = 0; i < 4000; i++) { const x = p.pick(ctx); counts.set(x, (counts.get(x) ?? 0) + 1) }
    if (c.allowed.length === 0) { t.deepEqual([...counts.keys()], [undefined]); continue }
    t.deepEqual([...counts.keys()].sort(), c.allowed)
    for (const n of counts.values()) t.true(Math.abs(n - 4000 / c.allowed.length) < 0.1 * 4000 / c.allowed.length)
    t.deepEqual([...p.order(ctx)].sort(), [...c.allowed, ...(c.ejected ?? [])].sort())
  }
})

test('table: p2c picks the cheaper of two random peers; order is by cost', t => {
  const p = createP2cPicker(cands('a', 'b', 'c', 'd'))
  const costs = { a: 1, b: 2, c: 3, d: 4 }
  const counts = new Map<string, number>()
  const ctx = fakeContext({ costs, seed: 3 })
  for (let i = 0; i < 6000; i++) { const x = p.pick(ctx)!; counts.set(x, (counts.get(x) ?? 0) + 1) }
  // with two distinct random draws out of 4, the i-th cheapest wins with probability (n - i) / C(n, 2): 3/6, 2/6, 1/6, 0
  t.true(Math.abs(counts.get('a')! / 6000 - 0.5) < 0.03)
  t.true(Math.abs(counts.get('b')! / 6000 - 1 / 3) < 0.03)
  t.true(Math.abs(counts.get('c')! / 6000 - 1 / 6) < 0.03)
  t.is(counts.get('d'), undefined, 'the most expensive peer never wins')
  const order = p.order(ctx)
  t.is(order.length, 4)
  t.deepEqual(order.slice(1), ['a', 'b', 'c', 'd'].filter(x => x !== order[0]))
  t.is(p.pick(fakeContext({ costs, exclude: ['a', 'b', 'c'] })), 'd')
  t.is(p.pick(fakeContext({ costs, exclude: ['a', 'b', 'c', 'd'] })), undefined)
  t.deepEqual(p.order(fakeContext({ costs, ejected: ['a'], seed: 4 })).at(-1), 'a', 'ejected peers come last')
})

test('table: local-first prefers the local peer, else falls back to p2c', t => {
  const list = [{ peerId: 'a' }, { peerId: 'me', local: true }, { peerId: 'b' }]
  const p = createLocalFirstPicker(list)
  t.is(p.pick(fakeContext()), 'me')
  t.deepEqual(p.order(fakeContext({ costs: { a: 1, b: 2 } }))[0], 'me')
  t.not(p.pick(fakeContext({ ejected: ['me'] })), 'me')
  t.not(p.pick(fakeContext({ exclude: ['me'] })), 'me')
  t.is(p.pick(fakeContext({ exclude: ['me', 'a'] })), 'b')
})

test('table: hash picks the ring owner, the next successor when excluded, ejected or over capacity', t => {
  const ids = ['a', 'b', 'c', 'd', 'e']
  const ring = HashRing.from(ids, { vnodes: 32 })
  const p = createHashPicker(cands(...ids), ring, { epsilon: 0.25 })
  const key = 'user-42'
  const [s0, s1, s2] = ring.successors(key)
  const cases: Array<{ name: string, exclude?: string[], ejected?: string[], inflight?: Record<string, number>, pick: string }> = [
    { name: 'owner', pick: s0 },
    { name: 'owner excluded', exclude: [s0], pick: s1 },
    { name: 'owner ejected', ejected: [s0], pick: s1 },
    { name: 'owner and next excluded', exclude: [s0, s1], pick: s2 },
    // 10 in flight over 5 peers: capacity ceil(1.25 x 11 / 5) = 3, owner has 3: full
    { name: 'owner at capacity', inflight: { [s0]: 3, [s1]: 2, [s2]: 2, [ids.find(x => ![s0, s1, s2].includes(x))!]: 3 }, pick: s1 },
    // 5 in flight, one each: capacity ceil(1.25 x 6 / 5) = 2, owner has 1
    { name: 'owner under capacity', inflight: Object.fromEntries(ids.map(id => [id, 1])), pick: s0 }
  ]
  for (const c of cases) t.is(p.pick(fakeContext({ ...c, key })), c.pick, c.name)
  t.deepEqual(p.order(fakeContext({ key })), ring.successors(key), 'order is the ring successors')
  t.deepEqual(p.order(fakeContext({ key, exclude: [s0] })), ring.successors(key).slice(1))
  const unbounded = createHashPicker(cands(...ids), ring, { epsilon: Infinity })
  t.is(unbounded.pick(fakeContext({ key, inflight: { [s0]: 100 } })), s0, 'bounded loads off: always the owner')
  t.truthy(p.pick(fakeContext({ costs: { a: 1 } })), 'no key: behaves as p2c')
})

test('pickers are immutable snapshots of their candidates', t => {
  const list = cands('a', 'b')
  const p = createRoundRobinPicker(list)
  list.push({ peerId: 'c' })
  t.is(p.candidates.length, 2)
  t.true(Object.isFrozen(p.candidates))
})
