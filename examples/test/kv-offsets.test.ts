/**
 * How far other peers' clocks are known to run ahead: the lower bound each message gives, kept while recent.
 */
import test from 'ava'
import { MAX_TRACKED_PEERS, OFFSET_MEMORY_MS, PeerOffsets } from '../src/kv-offsets.js'

const NOW = 1_700_000_000_000

test('a message sent at t by its sender\'s clock and read at now says the sender runs at least t - now ahead', t => {
  const o = new PeerOffsets()
  t.is(o.aheadMs('p', NOW), 0, 'unknown: not known to run ahead')
  o.note('p', NOW + 2000, NOW)
  t.is(o.aheadMs('p', NOW), 2000)
  // behind, or late on its way: no lead, never a negative one
  o.note('q', NOW - 300, NOW)
  t.is(o.aheadMs('q', NOW), 0)
})

test('a delayed message does not lower the lead a prompt one showed, until the lead is older than the memory', t => {
  const o = new PeerOffsets()
  o.note('p', NOW + 2000, NOW)
  // the same clock, a message 1.6 s late: it alone would show 400 ms
  o.note('p', NOW + 5000 + 2000, NOW + 5000 + 1600)
  t.is(o.aheadMs('p', NOW + 6600), 2000)
  // a larger lead replaces a smaller one at once
  o.note('p', NOW + 9000, NOW + 6000)
  t.is(o.aheadMs('p', NOW + 6000), 3000)
  // forgotten after the memory: a clock put right is trusted again
  t.is(o.aheadMs('p', NOW + 6000 + OFFSET_MEMORY_MS), 0)
  o.note('p', NOW + 6000 + OFFSET_MEMORY_MS, NOW + 6000 + OFFSET_MEMORY_MS + 5)
  t.is(o.aheadMs('p', NOW + 6000 + OFFSET_MEMORY_MS + 5), 0)
})

test('send times that are not finite numbers are ignored, and the peers tracked are bounded', t => {
  const o = new PeerOffsets()
  for (const bad of [undefined, null, '1', Number.NaN, Infinity, -Infinity, {}]) o.note('p', bad, NOW)
  t.is(o.aheadMs('p', NOW), 0)
  for (let i = 0; i <= MAX_TRACKED_PEERS; i++) o.note(`p${i}`, NOW + 1000 + i, NOW)
  t.is(o.aheadMs('p0', NOW), 0, 'the stalest entry went')
  t.is(o.aheadMs(`p${MAX_TRACKED_PEERS}`, NOW), 1000 + MAX_TRACKED_PEERS)
})
