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

test('a version stamped after the floor counts before the catch-up ends', t => {
  const r = new Recovery('a', 0, 1000, false, 5000)
  t.false(r.caughtUp(['a', 'b'], ['a', 'b'], 10))
  t.false(r.dominates(5000))
  t.true(r.dominates(5001))
})
