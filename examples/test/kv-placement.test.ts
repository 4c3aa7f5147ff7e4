/**
 * The store's roster: dead and suspect members keep their place (so preference lists agree across a partition),
 * a member leaves it by leaving or after the retention time, and a starting peer adopts the others' roster.
 */
import test from 'ava'
import { Roster } from '../src/kv-placement.js'
import type { Member } from '@peercall/core'

const S = 'ReplicatedKV'
const m = (peerId: string, state: Member['state'], services = [S]): Member => ({
  peerId, addrs: [], state, incarnation: 1, services, load: { inflight: 0, latencyMs: 0, eventLoopDelayMs: 0, cpu: 0, memoryMb: 0 }, meta: {}, self: false
})
const peers = ['a', 'b', 'c', 'd', 'e']

test('both sides of a partition compute the same preference lists: dead and suspect members keep their place', t => {
  const left = new Roster('a', S, 60_000)
  const right = new Roster('d', S, 60_000)
  left.update(peers.filter(p => p !== 'a').map(p => m(p, 'alive')), 0)
  right.update(peers.filter(p => p !== 'd').map(p => m(p, 'alive')), 0)
  const keys = Array.from({ length: 200 }, (_, i) => `k${i}`)
  const before = keys.map(k => left.owners(k, 3).join())
  t.deepEqual(keys.map(k => right.owners(k, 3).join()), before)
  // the partition: each side sees the other dead (or suspect, or not at all)
  left.update([m('b', 'alive'), m('c', 'dead'), m('d', 'dead'), m('e', 'suspect')], 1000)
  right.update([m('c', 'alive'), m('e', 'alive')], 1000)
  t.deepEqual(keys.map(k => left.owners(k, 3).join()), before)
  t.deepEqual(keys.map(k => right.owners(k, 3).join()), before)
  t.is(left.peers().length, 5)
})

test('a member leaves the roster when it leaves, or after being dead or unknown for the retention time', t => {
  const r = new Roster('a', S, 10_000)
  r.update([m('b', 'alive'), m('c', 'alive'), m('d', 'alive')], 0)
  t.true(r.update([m('b', 'left'), m('c', 'dead'), m('d', 'alive')], 100))
  t.false(r.has('b'))
  t.false(r.update([m('c', 'dead')], 5000))
  t.true(r.has('c') && r.has('d'))
  t.true(r.update([m('c', 'dead')], 10_100))
  t.false(r.has('c'))
  t.true(r.has('d'), 'unknown since 5000 ms: kept until 15000 ms')
  t.true(r.update([], 15_000))
  t.false(r.has('d'))
})

test('a member back alive before the retention time keeps its place; strangers that are dead are not placed', t => {
  const r = new Roster('a', S, 10_000)
  r.update([m('b', 'alive'), m('x', 'dead'), m('y', 'alive', ['Other'])], 0)
  t.deepEqual(r.peers().sort(), ['a', 'b'])
  r.update([m('b', 'dead')], 1000)
  r.update([m('b', 'alive')], 9000)
  r.update([m('b', 'alive')], 30_000)
  t.true(r.has('b'))
})

test('a starting peer adopts the roster another peer answered with', t => {
  const r = new Roster('a', S)
  r.update([m('b', 'alive')], 0)
  t.true(r.adopt(['a', 'b', 'c', 'd'], 0))
  t.deepEqual(r.peers().sort(), ['a', 'b', 'c', 'd'])
  t.false(r.adopt(['c'], 0))
  t.is(r.owners('k', 3).length, 3)
})
