import test from 'ava'
import { createBalancer, HashRing, type Candidate } from '../src/index.js'

const ids = Array.from({ length: 10 }, (_, i) => `12D3KooW-peer-${i}`)
const cands = (list = ids): Candidate[] => list.map(peerId => ({ peerId }))

function clocked (opts: Parameters<typeof createBalancer>[0] = {}): { bal: ReturnType<typeof createBalancer>, clock: { t: number } } {
  const clock = { t: 1_000_000 }
  return { bal: createBalancer({ seed: 1, now: () => clock.t, ...opts }), clock }
}

const failN = (bal: ReturnType<typeof createBalancer>, peer: string, n: number, failureKind: 'transport' | 'remote' = 'transport'): void => {
  for (let i = 0; i < n; i++) { bal.onStart(peer); bal.onEnd(peer, { latencyMs: 1, ok: false, failureKind }) }
}

test('pick: nothing to pick, everything excluded, exclusions honoured', t => {
  const { bal } = clocked()
  t.is(bal.pick([], { strategy: 'p2c' }), undefined)
  t.deepEqual(bal.order([], { strategy: 'hash', key: 'k' }), [])
  t.is(bal.pick(cands(), { strategy: 'random', exclude: new Set(ids) }), undefined)
  for (const strategy of ['p2c', 'hash', 'round-robin', 'random', 'local-first'] as const) {
    for (let i = 0; i < 200; i++) {
      const p = bal.pick(cands(), { strategy, key: `k${i}`, exclude: new Set(ids.slice(0, 9)) })
      t.is(p, ids[9], strategy)
    }
  }
})

test('ejected peers are skipped by every strategy, unless every candidate is ejected', t => {
  const { bal } = clocked()
  failN(bal, ids[3], 5)
  t.is(bal.stats(ids[3]).state, 'ejected')
  for (const strategy of ['p2c', 'hash', 'round-robin', 'random', 'local-first'] as const) {
    const seen = new Set<string>()
    for (let i = 0; i < 500; i++) seen.add(bal.pick(cands(), { strategy, key: `k${i}` })!)
    t.false(seen.has(ids[3]), strategy)
    t.is(seen.size, strategy === 'local-first' ? seen.size : 9, strategy)
  }
  t.is(bal.order(cands(), { strategy: 'round-robin' }).at(-1), ids[3], 'ejected peer last in the failover order')
  // only the ejected peer is left: it is used anyway
  t.is(bal.pick(cands(), { strategy: 'p2c', exclude: new Set(ids.filter(x => x !== ids[3])) }), ids[3])
  const { bal: all } = clocked({ outlier: { maxEjectionPercent: 100 } })
  failN(all, 'a', 5)
  failN(all, 'b', 5)
  t.is(all.stats('b').state, 'ejected')
  t.truthy(all.pick(cands(['a', 'b']), { strategy: 'p2c' }), 'all ejected: still picks one')
})

test('handler errors and cancellations do not eject; the ejected peer is probed after its ejection time', t => {
  const { bal, clock } = clocked()
  failN(bal, ids[0], 20, 'remote')
  t.is(bal.stats(ids[0]).state, 'healthy')
  bal.onStart(ids[0]); bal.onEnd(ids[0], { latencyMs: 0.5, ok: false, failureKind: 'cancelled' })
  t.is(bal.stats(ids[0]).latencyMs, 1, 'a cancelled attempt shorter than the estimate does not lower it')
  t.is(bal.stats(ids[0]).failures, 20, 'a cancelled attempt is not a failure')
  bal.onStart(ids[0]); bal.onEnd(ids[0], { latencyMs: 5000, ok: false, failureKind: 'cancelled' })
  t.is(bal.stats(ids[0]).latencyMs, 5000, 'a cancelled attempt that took longer raises the peak: a frozen peer looks slow')
  t.is(bal.stats(ids[0]).state, 'healthy')
  failN(bal, ids[1], 5)
  clock.t += 30_000
  t.is(bal.stats(ids[1]).state, 'probing')
  // round-robin reaches the probing peer; while its probe is in flight nobody else is sent there
  let probes = 0
  for (let i = 0; i < 40; i++) {
    const p = bal.pick(cands(), { strategy: 'round-robin' })!
    bal.onStart(p)
    if (p === ids[1]) probes++
  }
  t.is(probes, 1)
  bal.onEnd(ids[1], { latencyMs: 3, ok: true })
  t.is(bal.stats(ids[1]).state, 'healthy')
})

test('hash: the same key goes to the same peer on every node, whatever the candidate order; exclusion moves to the next successor', t => {
  const a = createBalancer({ seed: 1 })
  const b = createBalancer({ seed: 2 })
  const ring = HashRing.from(ids)
  const reversed = cands([...ids].reverse())
  for (let i = 0; i < 300; i++) {
    const key = `user-${i}`
    const owner = a.pick(cands(), { strategy: 'hash', key, service: 'kv' })
    t.is(owner, ring.lookup(key))
    t.is(b.pick(reversed, { strategy: 'hash', key, service: 'kv' }), owner)
    t.deepEqual(a.order(cands(), { strategy: 'hash', key, service: 'kv' }), ring.successors(key))
    t.is(a.pick(cands(), { strategy: 'hash', key, service: 'kv', exclude: new Set([owner!]) }), ring.successors(key, 2)[1])
  }
})

test('hash with bounded loads: a hot owner overflows to its successor', t => {
  const { bal } = clocked()
  const key = 'hot'
  const [owner, next] = HashRing.from(ids).successors(key, 2)
  for (let i = 0; i < 3; i++) bal.onStart(owner) // 3 in flight on the owner, 0 elsewhere: capacity ceil(1.25 x 4 / 10) = 1
  t.is(bal.pick(cands(), { strategy: 'hash', key }), next)
  const { bal: off } = clocked({ epsilon: Infinity })
  for (let i = 0; i < 3; i++) off.onStart(owner)
  t.is(off.pick(cands(), { strategy: 'hash', key }), owner)
})

test('p2c avoids a peer that is slow locally, and one that gossips a long queue', t => {
  const { bal, clock } = clocked()
  for (const id of ids) { bal.onStart(id); bal.onEnd(id, { latencyMs: id === ids[0] ? 100 : 10, ok: true }) }
  let slow = 0
  for (let i = 0; i < 2000; i++) {
    clock.t += 1
    const p = bal.pick(cands(), { strategy: 'p2c' })!
    if (p === ids[0]) slow++
  }
  t.is(slow, 0, 'cost 100 vs 10: the slow peer never wins a pair')
  const { bal: fresh } = clocked()
  const now = 1_000_000
  const gossiped: Candidate[] = ids.map((peerId, i) => ({ peerId, load: { inflight: i === 0 ? 40 : 1, latencyMs: 10, at: now } }))
  let busy = 0
  for (let i = 0; i < 2000; i++) if (fresh.pick(gossiped, { strategy: 'p2c' }) === ids[0]) busy++
  t.is(busy, 0)
})

test('round-robin and local-first through the facade', t => {
  const { bal } = clocked()
  const seq = Array.from({ length: 20 }, () => bal.pick(cands(ids.slice(0, 4)), { strategy: 'round-robin', service: 'x' }))
  t.deepEqual(seq.slice(0, 8), [...ids.slice(0, 4), ...ids.slice(0, 4)])
  const withLocal = cands(ids.slice(0, 4)).map((c, i) => ({ ...c, local: i === 2 }))
  t.is(bal.pick(withLocal, { strategy: 'local-first' }), ids[2])
  t.is(bal.order(withLocal, { strategy: 'local-first' })[0], ids[2])
})

test('stats, budgets and advice through the facade', t => {
  const { bal, clock } = clocked()
  bal.onStart('x'); bal.onStart('x')
  t.is(bal.stats('x').inflight, 2)
  bal.onEnd('x', { latencyMs: 20, ok: true })
  bal.onEnd('x', { latencyMs: 5, ok: false, failureKind: 'timeout' })
  const s = bal.stats('x')
  t.is(s.inflight, 0)
  t.is(s.calls, 2)
  t.is(s.failures, 1)
  t.is(s.consecutiveFailures, 1)
  t.true(s.latencyMs > 19 && s.latencyMs <= 20)
  const before = bal.retryBudget.balance()
  for (let i = 0; i < 50; i++) bal.onCall()
  t.is(bal.retryBudget.balance(), before + 10)
  t.true(bal.hedging.tryAcquire(), '50 calls x 5% = 2.5 hedges')
  for (let i = 0; i < 30; i++) { bal.onStart('y'); clock.t += 1; bal.onEnd('y', { latencyMs: i, ok: true }) }
  t.is(bal.hedging.delayMs(), 28)
  const advice = bal.advise([{ peerId: 'x', inflight: 60, latencyMs: 5 }])
  t.is(advice.action, 'scale-up')
  bal.forget('x')
  t.is(bal.stats('x').calls, 0)
})

test('a pick costs microseconds, and a changed candidate set reuses the service\'s ring incrementally', t => {
  const bal = createBalancer({ seed: 1 })
  const list = cands(Array.from({ length: 32 }, (_, i) => `peer-${i}`))
  bal.pick(list, { strategy: 'hash', key: 'warm', service: 's' })
  const n = 50_000
  for (const strategy of ['p2c', 'hash'] as const) {
    const t0 = performance.now()
    for (let i = 0; i < n; i++) bal.pick(list, { strategy, key: `k${i}`, service: 's' })
    const us = ((performance.now() - t0) * 1000) / n
    t.log(`${strategy}: ${us.toFixed(2)} us per pick (32 candidates)`)
    t.true(us < 50, `${strategy} pick took ${us} us`)
  }
  // one member leaves: the ring for the new set is derived from the previous one (and equals a fresh build)
  const fewer = list.slice(1)
  const t0 = performance.now()
  const owner = bal.pick(fewer, { strategy: 'hash', key: 'user-1', service: 's' })
  const ms = performance.now() - t0
  t.is(owner, HashRing.from(fewer.map(c => c.peerId)).lookup('user-1'))
  t.log(`first pick after a leave: ${ms.toFixed(2)} ms`)
})

test('new load objects on every call (gossip updates) keep hash routing and stay cheap', t => {
  const bal = createBalancer({ seed: 1 })
  const peers = Array.from({ length: 16 }, (_, i) => `peer-${i}`)
  const ring = HashRing.from(peers)
  const n = 20_000
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    const list = peers.map((peerId, j) => ({ peerId, load: { inflight: (i + j) % 3, latencyMs: 5 } }))
    const key = `user-${i % 500}`
    if (bal.pick(list, { strategy: 'hash', key, service: 'kv' }) !== ring.lookup(key)) { t.fail(key); return }
  }
  const us = ((performance.now() - t0) * 1000) / n
  t.log(`${us.toFixed(2)} us per pick with a fresh candidate list each time (16 candidates)`)
  t.true(us < 100)
})

test('order: every candidate not excluded, the first a pick, for every strategy', t => {
  const { bal } = clocked()
  for (const strategy of ['p2c', 'hash', 'round-robin', 'random', 'local-first'] as const) {
    const order = bal.order(cands(), { strategy, key: 'k', exclude: new Set([ids[0]]) })
    t.is(order.length, ids.length - 1, strategy)
    t.deepEqual([...order].sort(), ids.slice(1).sort(), strategy)
  }
})

test('property: pick returns a candidate that is not excluded whenever one exists, for every strategy and history', async t => {
  const fc = (await import('fast-check')).default
  const strategies = ['p2c', 'hash', 'round-robin', 'random', 'local-first'] as const
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 12 }),
    fc.array(fc.record({ peer: fc.nat(), ok: fc.boolean(), dt: fc.nat({ max: 20_000 }) }), { maxLength: 60 }),
    fc.array(fc.nat(), { maxLength: 12 }),
    fc.constantFrom(...strategies),
    fc.string({ maxLength: 8 }),
    (n, history, excl, strategy, key) => {
      const clock = { t: 0 }
      const bal = createBalancer({ seed: 3, now: () => clock.t, outlier: { maxEjectionPercent: 100 } })
      const list = Array.from({ length: n }, (_, i) => ({ peerId: `p${i}`, local: i === 0 }))
      for (const h of history) {
        clock.t += h.dt
        const p = `p${h.peer % n}`
        bal.onStart(p)
        bal.onEnd(p, { latencyMs: 5, ok: h.ok, failureKind: h.ok ? undefined : 'transport' })
      }
      const exclude = new Set(excl.map(x => `p${x % n}`))
      const picked = bal.pick(list, { strategy, key, exclude })
      const left = list.filter(c => !exclude.has(c.peerId))
      if (left.length === 0) return picked === undefined
      if (picked === undefined || exclude.has(picked) || !list.some(c => c.peerId === picked)) return false
      // an ejected peer is picked only when every peer left is ejected
      const healthyLeft = left.filter(c => bal.stats(c.peerId).state !== 'ejected')
      return healthyLeft.length === 0 || bal.stats(picked).state !== 'ejected'
    }
  ), { seed: 21, numRuns: 400 })
  t.pass()
})

test('successors: ring placement that load and ejection do not move', t => {
  const { bal } = clocked()
  const candidates = ids.map(peerId => ({ peerId }))
  const before = bal.successors(candidates, 'user-1', 'S', 3)
  t.is(before.length, 3)
  t.is(new Set(before).size, 3)
  // load the owner heavily and eject the second: placement stays, picks move
  for (let i = 0; i < 50; i++) bal.onStart(before[0])
  failN(bal, before[1], 10)
  t.deepEqual(bal.successors(candidates, 'user-1', 'S', 3), before)
  t.not(bal.pick(candidates, { strategy: 'hash', key: 'user-1', service: 'S' }), before[1])
  t.deepEqual(bal.successors(candidates, 'user-1', 'S'), bal.successors([...candidates].reverse(), 'user-1', 'S'), 'a pure function of the member set')
})

test('hash: a key leaves its owner only when excluded, ejected or over capacity, each counted by reason; a slow owner keeps its keys', t => {
  const { bal, clock } = clocked()
  const cs = cands()
  const keys = Array.from({ length: 2000 }, (_, i) => `key-${i}`)
  const owner = new Map<string, string>(keys.map(k => [k, bal.successors(cs, k, 's', 1)[0]] as [string, string]))
  // ids[0] answers 10x slower than the others: p2c avoids it, hash routing does not
  for (let i = 0; i < 300; i++) {
    const p = i % 60 === 0 ? ids[0] : ids[1 + i % 9]
    bal.onCall(); bal.onStart(p); clock.t += 1; bal.onEnd(p, { latencyMs: p === ids[0] ? 40 : 4, ok: true })
  }
  bal.pick(cs, { strategy: 'p2c', service: 's' })
  t.true(bal.stats(ids[0]).slow)
  // sequential calls, twice over: every key on its owner
  for (let pass = 0; pass < 2; pass++) {
    for (const k of keys) {
      const p = bal.pick(cs, { strategy: 'hash', key: k, service: 's', mayProbe: true })!
      t.is(p, owner.get(k)!)
      bal.onStart(p); clock.t += 1; bal.onEnd(p, { latencyMs: p === ids[0] ? 40 : 4, ok: true })
    }
  }
  t.deepEqual(bal.hashReroutes(), { excluded: 0, ejected: 0, 'over-capacity': 0 })
  t.true(keys.filter(k => owner.get(k) === ids[0]).length > 100, 'the slow peer owns its share of keys')
  const k0 = keys.find(k => owner.get(k) === ids[1])!
  t.not(bal.pick(cs, { strategy: 'hash', key: k0, service: 's', exclude: new Set([ids[1]]) }), ids[1])
  t.is(bal.hashReroutes().excluded, 1, 'a retry elsewhere')
  for (let i = 0; i < 3; i++) bal.onStart(ids[1]) // 3 in flight at the owner, capacity ceil(1.25 x 4 / 10) = 1
  t.not(bal.pick(cs, { strategy: 'hash', key: k0, service: 's' }), ids[1])
  t.is(bal.hashReroutes()['over-capacity'], 1, 'bounded loads')
  for (let i = 0; i < 3; i++) bal.onEnd(ids[1], { latencyMs: 4, ok: true })
  failN(bal, ids[1], 5)
  t.is(bal.stats(ids[1]).state, 'ejected')
  t.not(bal.pick(cs, { strategy: 'hash', key: k0, service: 's' }), ids[1])
  t.is(bal.hashReroutes().ejected, 1, 'ejection after failures')
})
