/**
 * Catch-up after a start: what counts before and after the pulls, for a restarted peer and a fresh one.
 */
import test from 'ava'
import { Recovery } from '../src/kv-recovery.js'

const alive = (...ids: string[]) => (p: string): boolean => ids.includes(p)

test('a restarted peer is ready only once settled, pulled from every reachable member, and its roster complete', t => {
  const r = new Recovery('a', 0, 1000)
  const roster = ['a', 'b', 'c', 'd']
  t.false(r.ready(roster, alive('b', 'c', 'd'), 500), 'not settled')
  t.false(r.ready(roster, alive('b', 'c', 'd'), 1500), 'nothing pulled')
  r.markSynced('b', ['a', 'b', 'c', 'd', 'e'])
  t.false(r.complete(roster), 'e is named by b but missing here')
  t.false(r.caughtUp(['a', 'b'], roster, 1500), 'no copy counts while the roster is incomplete')
  const full = [...roster, 'e']
  t.deepEqual(r.pending(full, alive('b', 'c', 'd')), ['c', 'd'])
  r.markSynced('c'); r.markSynced('d')
  t.true(r.ready(full, alive('b', 'c', 'd'), 1500))
  t.true(r.caughtUp(['a', 'b', 'c'], full, 1500))
  t.false(r.caughtUp(['a', 'b', 'e'], full, 1500), 'e is dead and was never pulled: it may hold what a lost')
  r.added(['e'])
  t.false(r.caughtUp(['a', 'b', 'e'], full, 1500), 'e was named before: it must be pulled, not assumed')
  r.added(['f'])
  t.true(r.caughtUp(['a', 'f'], [...full, 'f'], 1600), 'a member new to everyone cannot hold what a lost')
})

test('a fresh peer counts dead members as synced once it has pulled from the reachable ones', t => {
  const r = new Recovery('n', 0, 0, true)
  const roster = ['n', 'b', 'dead']
  r.markSynced('b', roster)
  t.true(r.ready(roster, alive('b'), 10))
  t.true(r.caughtUp(['n', 'b', 'dead'], roster, 10))
  r.added(['late'])
  t.true(r.isSynced('late'))
})

test('a peer alone in its roster is ready once settled', t => {
  const r = new Recovery('a', 0, 100)
  t.false(r.ready(['a'], alive(), 50))
  t.true(r.ready(['a'], alive(), 150))
})

for (const fresh of [false, true]) {
  test(`a ${fresh ? 'fresh' : 'restarted'} peer that became ready alone pulls from every peer it meets afterwards`, t => {
    // its membership had found no one when the settle time ended: the peers it meets are not new to the cluster
    // and may hold the writes it lost (or, fresh, the keys it now owns)
    const r = new Recovery('a', 0, 100, fresh)
    t.true(r.ready(['a'], alive(), 150))
    r.added(['b', 'c'])
    t.false(r.isSynced('b'))
    t.false(r.caughtUp(['a', 'b', 'c'], ['a', 'b', 'c'], 200), 'its copy of a key it shares with b and c does not count')
    t.deepEqual(r.pending(['a', 'b', 'c'], alive('b', 'c')), ['b', 'c'])
    r.markSynced('b', ['a', 'b', 'c']); r.markSynced('c', ['a', 'b', 'c'])
    t.true(r.caughtUp(['a', 'b', 'c'], ['a', 'b', 'c'], 300))
    r.added(['d'])
    t.true(r.isSynced('d'), 'once it has pulled a roster, a member nobody named is new')
  })
}

test('a version stamped after the floor counts before the catch-up ends', t => {
  const r = new Recovery('a', 0, 1000, false, 5000)
  t.false(r.caughtUp(['a', 'b'], ['a', 'b'], 10))
  t.false(r.dominates(5000))
  t.true(r.dominates(5001))
})
