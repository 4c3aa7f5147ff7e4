import test from 'ava'
import fc from 'fast-check'
import { BoundedLoadTable, boundedCapacity } from '../src/bounded.js'
import { HashRing } from '../src/ring.js'

test('table: boundedCapacity = ceil((1 + eps) x total / bins)', t => {
  const cases: Array<[number, number, number, number]> = [
    // total, bins, eps, capacity
    [0, 4, 0.25, 0], [1, 8, 0.25, 1], [8, 8, 0.25, 2], [32, 8, 0.25, 5], [100, 8, 0.25, 16], [100, 8, 0, 13], [10, 0, 0.25, 0]
  ]
  for (const [total, bins, eps, cap] of cases) t.is(boundedCapacity(total, bins, eps), cap, `${total}/${bins} eps ${eps}`)
})

type Op = { kind: 'add', key: number } | { kind: 'del', pick: number } | { kind: 'join', peer: number } | { kind: 'leave', pick: number }

test('property: bounded mode keeps max load <= ceil((1 + eps) x mean) after every add, release, join and leave', t => {
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('add' as const), key: fc.nat({ max: 100_000 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('del' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('join' as const), peer: fc.nat({ max: 1000 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), pick: fc.nat() }) }
  )
  let steps = 0
  fc.assert(fc.property(fc.integer({ min: 1, max: 12 }), fc.constantFrom(0.1, 0.25, 0.5), fc.array(op, { minLength: 50, maxLength: 400 }), (n0, eps, ops) => {
    let peers = Array.from({ length: n0 }, (_, i) => `p${i}`)
    let ring = HashRing.from(peers, { vnodes: 64 })
    const table = new BoundedLoadTable(ring, eps)
    const keys: string[] = []
    for (const o of ops) {
      if (o.kind === 'add') { const k = `k${o.key}`; if (!keys.includes(k)) { keys.push(k); table.assign(k) } }
      if (o.kind === 'del' && keys.length > 0) { const [k] = keys.splice(o.pick % keys.length, 1); table.release(k) }
      if (o.kind === 'join') { const p = `j${o.peer}`; if (!peers.includes(p)) { peers = [...peers, p]; ring = ring.add(p); table.setRing(ring) } }
      if (o.kind === 'leave' && peers.length > 1) { const p = peers[o.pick % peers.length]; peers = peers.filter(x => x !== p); ring = ring.remove(p); table.setRing(ring) }
      const loads = [...table.loads().values()]
      const m = loads.reduce((a, b) => a + b, 0)
      if (m !== keys.length || table.size !== keys.length) return false
      if (Math.max(...loads) > boundedCapacity(m, peers.length, eps)) return false
      steps++
    }
    return true
  }), { seed: 5, numRuns: 120 })
  t.log(`${steps} steps checked`)
  t.pass()
})

test('bounded mode: max/mean <= 1 + eps when (1 + eps) x mean is whole; the plain ring exceeds it on hot keys', t => {
  for (const eps of [0.1, 0.25]) {
    const peers = Array.from({ length: 8 }, (_, i) => `peer-${i}`)
    const table = new BoundedLoadTable(HashRing.from(peers, { vnodes: 16 }), eps)
    const m = eps === 0.1 ? 8 * 10 * 50 : 8 * 4 * 50 // mean 500 / 200: (1 + eps) x mean is whole
    for (let i = 0; i < m; i++) table.assign(`user-${i}`)
    const loads = [...table.loads().values()]
    const maxOverMean = Math.max(...loads) / (m / 8)
    t.true(maxOverMean <= 1 + eps, `eps ${eps}: max/mean ${maxOverMean}`)
  }
  // the same keys on the plain ring with 16 vnodes are far less even: bounded mode is doing the work
  const ring = HashRing.from(Array.from({ length: 8 }, (_, i) => `peer-${i}`), { vnodes: 16 })
  const counts = new Map<string, number>()
  for (let i = 0; i < 1600; i++) { const p = ring.lookup(`user-${i}`)!; counts.set(p, (counts.get(p) ?? 0) + 1) }
  t.true(Math.max(...counts.values()) / 200 > 1.25)
})

test('bounded mode: a released key lowers the capacity and overfull peers shed keys to successors', t => {
  const ring = HashRing.from(['a', 'b'], { vnodes: 8 })
  const table = new BoundedLoadTable(ring, 0)
  for (let i = 0; i < 10; i++) table.assign(`k${i}`)
  t.deepEqual([...table.loads().values()].sort(), [5, 5])
  for (let i = 0; i < 4; i++) table.release(`k${i}`)
  const loads = [...table.loads().values()]
  t.true(Math.max(...loads) <= 3)
  t.is(loads.reduce((a, b) => a + b, 0), 6)
})
