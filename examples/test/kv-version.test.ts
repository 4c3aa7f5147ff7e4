/**
 * Versions of the replicated store: total order, and the checks on versions received from other peers.
 */
import test from 'ava'
import { RpcError } from '@peercall/core'
import { checkEntry, checkVersion, compareVersions, newer, MAX_CLOCK_OFFSET_MS } from '../src/kv-version.js'

const NOW = 1_700_000_000_000

test('versions order by wall time, then logical counter, then peer id', t => {
  const a = { wall: 10, logical: 0, by: 'a' }
  t.true(newer({ wall: 11, logical: 0, by: 'a' }, a))
  t.true(newer({ wall: 10, logical: 1, by: 'a' }, a))
  t.true(newer({ wall: 10, logical: 0, by: 'b' }, a))
  t.false(newer(a, a))
  t.is(compareVersions(a, { ...a }), 0)
})

test('malformed versions are refused as INVALID_ARGUMENT', t => {
  const bad: unknown[] = [
    null, 'v', 42, {}, { wall: Number.NaN, logical: 0, by: 'p' }, { wall: Infinity, logical: 0, by: 'p' },
    { wall: -1, logical: 0, by: 'p' }, { wall: 1.5, logical: 0, by: 'p' }, { wall: 1, logical: -1, by: 'p' },
    { wall: 1, logical: 2 ** 40, by: 'p' }, { wall: 1, logical: 0 }, { wall: 1, logical: 0, by: '' },
    { wall: 1, logical: 0, by: 'x'.repeat(200) }, { wall: '1', logical: 0, by: 'p' }
  ]
  for (const v of bad) {
    const err = t.throws(() => checkVersion(v, NOW), { instanceOf: RpcError }, JSON.stringify(v))
    t.is(err?.code, 'INVALID_ARGUMENT')
    t.is((err?.data as { reason?: string }).reason, 'malformed')
  }
})

test('a version more than the accepted offset ahead of this clock is refused with the offset; behind is fine', t => {
  t.deepEqual(checkVersion({ wall: NOW + MAX_CLOCK_OFFSET_MS, logical: 3, by: 'p' }, NOW), { wall: NOW + MAX_CLOCK_OFFSET_MS, logical: 3, by: 'p' })
  t.deepEqual(checkVersion({ wall: 0, logical: 0, by: 'p' }, NOW), { wall: 0, logical: 0, by: 'p' })
  for (const ahead of [MAX_CLOCK_OFFSET_MS + 1, 2000, 8.64e15 - NOW]) {
    const err = t.throws(() => checkVersion({ wall: NOW + ahead, logical: 0, by: 'p' }, NOW), { instanceOf: RpcError })
    t.deepEqual(err?.data, { reason: 'clock-offset', aheadMs: ahead })
    t.regex(err?.message ?? '', /ahead of this peer's clock/)
  }
  t.throws(() => checkVersion({ wall: NOW + 100, logical: 0, by: 'p' }, NOW, 50), { instanceOf: RpcError })
})

test('an entry keeps its value and only the checked fields of its version', t => {
  const e = checkEntry({ value: { x: 1 }, version: { wall: 5, logical: 0, by: 'p', extra: 'dropped' } }, NOW)
  t.deepEqual(e, { value: { x: 1 }, version: { wall: 5, logical: 0, by: 'p' } })
  t.throws(() => checkEntry(null, NOW), { instanceOf: RpcError })
})
