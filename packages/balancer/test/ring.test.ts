import test from 'ava'
import fc from 'fast-check'
import { HashRing } from '../src/ring.js'

const peersArb = (min: number, max: number): fc.Arbitrary<string[]> =>
  fc.uniqueArray(fc.nat({ max: 1_000_000 }), { minLength: min, maxLength: max }).map(ns => ns.map(n => `12D3KooW-peer-${n}`))
const keysOf = (n: number, salt = ''): string[] => Array.from({ length: n }, (_, i) => `key-${salt}${i}`)

test('table: small rings', t => {
  const cases: Array<{ peers: string[], key: string, lookup: string | undefined, successors: number }> = [
    { peers: [], key: 'a', lookup: undefined, successors: 0 },
    { peers: ['only'], key: 'a', lookup: 'only', successors: 1 },
    { peers: ['only', 'only'], key: 'b', lookup: 'only', successors: 1 }
  ]
  for (const c of cases) {
    const r = HashRing.from(c.peers, { vnodes: 16 })
    t.is(r.lookup(c.key), c.lookup)
    t.is(r.successors(c.key, 5).length, c.successors)
  }
  t.throws(() => HashRing.from(['a'], { vnodes: 0 }), { instanceOf: RangeError })
  const r = HashRing.from(['a', 'b', 'c'], { vnodes: 16 })
  t.is(r.add('a'), r, 'adding a member is a no-op')
  t.is(r.remove('zzz'), r, 'removing a stranger is a no-op')
  t.deepEqual([...r.successors('k', 10)].sort(), ['a', 'b', 'c'])
})

test('property: lookup is a pure function of the member set (order of joins and leaves does not matter)', t => {
  fc.assert(fc.property(peersArb(1, 20), peersArb(0, 6), fc.nat(), (peers, extra, salt) => {
    const fresh = HashRing.from(peers, { vnodes: 64 })
    const shuffled = HashRing.from([...peers].reverse(), { vnodes: 64 })
    // incremental: start from a different set, add and remove until the members equal `peers`
    let incr = HashRing.from(extra.filter(p => !peers.includes(p)).concat(peers.slice(0, 1)), { vnodes: 64 })
    for (const p of peers.slice(1)) incr = incr.add(p)
    for (const p of extra) if (!peers.includes(p)) incr = incr.remove(p)
    const viaWith = HashRing.from(extra, { vnodes: 64 }).withMembers(peers)
    for (const k of keysOf(200, String(salt))) {
      const owner = fresh.lookup(k)
      if (shuffled.lookup(k) !== owner || incr.lookup(k) !== owner || viaWith.lookup(k) !== owner) return false
      const s = fresh.successors(k, 3).join()
      if (incr.successors(k, 3).join() !== s || viaWith.successors(k, 3).join() !== s) return false
    }
    return true
  }), { seed: 42, numRuns: 100 })
  t.pass()
})

test('property: on a join at most 1.1 x K/(N+1) of K keys move, all to the newcomer (default 2048 vnodes)', t => {
  const K = 100_000
  let worst = 0
  fc.assert(fc.property(peersArb(1, 16), fc.nat({ max: 1_000_000 }), fc.nat(), (peers, nc, salt) => {
    const newcomer = `12D3KooW-newcomer-${nc}`
    const before = HashRing.from(peers)
    const after = before.add(newcomer)
    let moved = 0
    for (let i = 0; i < K; i++) {
      const k = `key-${salt}-${i}`
      const a = before.lookup(k)
      const b = after.lookup(k)
      if (a !== b) {
        if (b !== newcomer) return false // a key moved between old members
        moved++
      }
    }
    const ratio = moved / (K / (peers.length + 1))
    worst = Math.max(worst, ratio)
    return ratio <= 1.1
  }), { seed: 7, numRuns: 30 })
  t.log(`worst moved / (K/(N+1)) over 30 runs: ${worst.toFixed(3)}`)
  t.true(worst <= 1.1)
})

test('property: on a leave only the leaver\'s keys move, each to its next successor', t => {
  fc.assert(fc.property(peersArb(2, 24), fc.nat(), fc.nat(), (peers, which, salt) => {
    const leaver = peers[which % peers.length]
    const before = HashRing.from(peers, { vnodes: 256 })
    const after = before.remove(leaver)
    for (const k of keysOf(5000, String(salt))) {
      const a = before.lookup(k)
      const b = after.lookup(k)
      if (a !== leaver && a !== b) return false // a survivor's key moved
      if (a === leaver && b !== before.successors(k, 2)[1]) return false
    }
    return true
  }), { seed: 11, numRuns: 60 })
  t.pass()
})

test('property: successors are distinct, start with the owner, and are stable under joins and leaves', t => {
  fc.assert(fc.property(peersArb(1, 20), fc.integer({ min: 1, max: 25 }), fc.string({ maxLength: 12 }), fc.nat(), (peers, n, key, nc) => {
    const ring = HashRing.from(peers, { vnodes: 64 })
    const s = ring.successors(key, n)
    if (new Set(s).size !== s.length) return false
    if (s.length !== Math.min(n, peers.length)) return false
    if (s[0] !== ring.lookup(key)) return false
    // prefix: asking for more extends the list
    if (ring.successors(key, n + 1).slice(0, s.length).join() !== s.join()) return false
    // a leave removes the leaver and keeps the order of the others
    const all = ring.successors(key)
    const leaver = peers[nc % peers.length]
    if (ring.remove(leaver).successors(key).join() !== all.filter(p => p !== leaver).join()) return false
    // a join inserts the newcomer somewhere and keeps the order of the others
    const newcomer = `new-${nc}`
    const joined = ring.add(newcomer).successors(key)
    return joined.filter(p => p !== newcomer).join() === all.join() && joined.length === all.length + 1
  }), { seed: 3, numRuns: 200 })
  t.pass()
})
