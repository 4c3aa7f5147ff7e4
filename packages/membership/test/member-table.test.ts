import test from 'ava'
import fc from 'fast-check'
import { MemberTable, sharedView } from '../src/member-table.js'
import type { SwimMember } from '../src/member-table.js'

const member = (id: string, inc = 0): SwimMember => ({ id, state: 'alive', inc, ver: 0, data: undefined, since: 0 })
const ID = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h')

type Op = { t: 'set', id: string, inc: number } | { t: 'delete', id: string } | { t: 'mutate', id: string, inc: number }
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('set' as const), id: ID, inc: fc.nat(9) }),
  fc.record({ t: fc.constant('delete' as const), id: ID }),
  fc.record({ t: fc.constant('mutate' as const), id: ID, inc: fc.nat(9) })
)

const snapshot = (it: Iterable<[string, Readonly<SwimMember>]>): Array<[string, number]> => [...it].map(([id, m]) => [id, m.inc])

test('over a shared view it answers and iterates exactly as a Map holding a copy of the view', t => {
  fc.assert(fc.property(
    fc.uniqueArray(ID, { maxLength: 6 }), fc.uniqueArray(ID, { maxLength: 3 }), fc.array(op, { maxLength: 40 }),
    (viewIds, before, ops) => {
      const shared = viewIds.map(id => Object.freeze(member(id, 100)))
      const view = sharedView(shared)
      const table = new MemberTable()
      const map = new Map<string, SwimMember>()
      // records set before the view (as a state machine's own record), then the view merged in order
      for (const id of before) { table.set(id, member(id, 50)); map.set(id, member(id, 50)) }
      table.adopt(view)
      for (const m of shared) if (!map.has(m.id)) map.set(m.id, { ...m })
      for (const o of ops) {
        if (o.t === 'set') { table.set(o.id, member(o.id, o.inc)); map.set(o.id, member(o.id, o.inc)) }
        if (o.t === 'delete') t.is(table.delete(o.id), map.delete(o.id))
        if (o.t === 'mutate') {
          const a = table.get(o.id); const b = map.get(o.id)
          t.is(a === undefined, b === undefined)
          if (a !== undefined && b !== undefined) { a.inc = o.inc; b.inc = o.inc }
        }
        t.is(table.size, map.size)
        t.deepEqual(snapshot(table), snapshot(map))
        for (const id of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) {
          t.is(table.has(id), map.has(id))
          t.is(table.peek(id)?.inc, map.get(id)?.inc)
        }
      }
      // the shared view itself is never written
      t.true(shared.every(m => m.inc === 100))
    }
  ), { numRuns: 300 })
})

test('peek never copies; get copies a shared record once', t => {
  const shared = [member('a'), member('b')].map(m => Object.freeze(m))
  const table = new MemberTable()
  table.adopt(sharedView(shared))
  t.is(table.peek('a'), shared[0])
  const a = table.get('a')!
  t.not(a, shared[0])
  t.is(table.get('a'), a)
  t.is(table.peek('a'), a)
  a.state = 'suspect'
  t.is(shared[0].state, 'alive')
})

test('without a shared view it is a plain Map', t => {
  const table = new MemberTable()
  table.set('x', member('x')).set('y', member('y'))
  t.true(table.delete('x'))
  t.false(table.delete('x'))
  table.set('x', member('x', 2))
  t.deepEqual(snapshot(table), [['y', 0], ['x', 2]])
  t.is(table.size, 2)
})

test('a view is adopted once, before anything is added after it', t => {
  const table = new MemberTable()
  table.adopt(sharedView([member('a')]))
  t.throws(() => { table.adopt(sharedView([member('b')])) }, { message: /one shared view/ })
})
