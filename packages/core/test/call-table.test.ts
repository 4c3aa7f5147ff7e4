/**
 * The table of a session's pending calls: it holds what a Map by id would, whatever ids are in flight together
 * (a straggler whose slot comes round, ids past 2^31, more calls than MAX_SLOTS).
 */
import test from 'ava'
import fc from 'fast-check'
import { CallTable, INITIAL_SLOTS, MAX_SLOTS } from '../src/wire/call-table.js'

interface Call { id: number }

test('it answers as a Map would, for any sequence of adds and deletes', t => {
  const op = fc.oneof(
    fc.record({ add: fc.integer({ min: 1, max: 0xffffffff }) }),
    fc.record({ add: fc.integer({ min: 1, max: 3 * MAX_SLOTS }) }),
    fc.record({ del: fc.nat({ max: 40 }) })
  )
  fc.assert(fc.property(fc.array(op, { maxLength: 300 }), ops => {
    const table = new CallTable<Call>()
    const map = new Map<number, Call>()
    for (const o of ops) {
      if ('add' in o) {
        if (map.has(o.add)) continue // ids in flight are unique
        const c = { id: o.add }
        table.add(c)
        map.set(c.id, c)
      } else {
        const ids = [...map.keys()]
        const id = ids.length === 0 ? 7 : ids[o.del % ids.length]
        if (table.delete(id) !== map.delete(id)) return false
      }
      if (table.size !== map.size) return false
    }
    for (const [id, c] of map) if (table.get(id) !== c) return false
    if (table.get(0) !== undefined) return false
    return JSON.stringify(table.values()) === JSON.stringify([...map.values()].sort((a, b) => a.id - b.id))
  }), { seed: 20261207, numRuns: 500 })
  t.pass()
})

test('a straggler stays found while ids go round many times, and the table stays bounded', t => {
  const table = new CallTable<Call>()
  const straggler = { id: 1 }
  table.add(straggler)
  for (let id = 2; id < 20 * MAX_SLOTS; id++) {
    table.add({ id })
    t.is(table.get(id)?.id, id)
    table.delete(id)
  }
  t.is(table.get(1), straggler)
  t.is(table.size, 1)
  t.true((table as unknown as { slots: unknown[] }).slots.length <= MAX_SLOTS)
  t.true(INITIAL_SLOTS < MAX_SLOTS)
})
