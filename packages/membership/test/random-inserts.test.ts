import test from 'ava'
import fc from 'fast-check'
import { orderOfRandomInserts } from '../src/random-inserts.js'

function bySplice<T> (items: readonly T[], offsets: readonly number[]): T[] {
  const list: T[] = []
  items.forEach((x, k) => { list.splice(offsets[k], 0, x) })
  return list
}

/** Offsets as addToProbeList draws them: item k goes at 0..k. */
const inserts = fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { maxLength: 300 })
  .map(us => us.map((u, k) => Math.floor(u * (k + 1))))

test('the order equals one splice per item, for any offsets', t => {
  fc.assert(fc.property(inserts, offsets => {
    const items = offsets.map((_, k) => k)
    t.deepEqual(orderOfRandomInserts(items, offsets), bySplice(items, offsets))
  }), { numRuns: 500 })
})

test('edge cases: empty, all at the front, all at the back', t => {
  t.deepEqual(orderOfRandomInserts([], []), [])
  t.deepEqual(orderOfRandomInserts(['a', 'b', 'c'], [0, 0, 0]), ['c', 'b', 'a'])
  t.deepEqual(orderOfRandomInserts(['a', 'b', 'c'], [0, 1, 2]), ['a', 'b', 'c'])
})

test('offsets outside 0..k are refused', t => {
  t.throws(() => orderOfRandomInserts(['a', 'b'], [0, 2]), { message: /outside/ })
  t.throws(() => orderOfRandomInserts(['a'], [-1]), { message: /outside/ })
  t.throws(() => orderOfRandomInserts(['a'], []), { message: /one offset/ })
})
