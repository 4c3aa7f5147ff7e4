import test from 'ava'
import { SubscriptionTable } from '../../src/events/table.js'
import { EVENT_META_PREFIX, groupsInRecord, MAX_GROUPS_VALUE } from '../../src/events/names.js'

const noop = (): void => {}

test('groups of an event, handlers in turn within a group, all for a broadcast', t => {
  const table = new SubscriptionTable()
  const a = table.add('order.created', 'billing', noop)
  const b = table.add('order.created', 'billing', () => 1)
  const m = table.add('order.created', 'mail', noop)
  t.deepEqual(table.groups('order.created').sort(), ['billing', 'mail'])
  t.deepEqual([table.next('order.created', 'billing'), table.next('order.created', 'billing'), table.next('order.created', 'billing')], [a, b, a])
  t.is(table.next('order.created', 'mail'), m)
  t.is(table.next('order.created', 'nobody'), undefined)
  t.is(table.next('other', 'billing'), undefined)
  t.deepEqual(table.all('order.created'), [a, b, m])
  t.deepEqual(table.all('other'), [])
})

test('remove drops a subscription once; the last one of an event drops the event', t => {
  const table = new SubscriptionTable()
  const a = table.add('e', 'g', noop)
  const b = table.add('e', 'g', noop)
  t.true(table.remove(a))
  t.false(table.remove(a))
  t.is(table.next('e', 'g'), b)
  t.is(table.size, 1)
  t.true(table.remove(b))
  t.is(table.size, 0)
  t.deepEqual(table.meta(), {})
  t.deepEqual(table.groups('e'), [])
})

test('meta announces each event with its groups, and reads back', t => {
  const table = new SubscriptionTable()
  table.add('order.created', 'billing', noop)
  table.add('order.created', 'mail', noop)
  table.add('cache.clear', 'cache.clear', noop)
  const meta = table.meta()
  t.deepEqual(meta, { [EVENT_META_PREFIX + 'order.created']: 'billing,mail', [EVENT_META_PREFIX + 'cache.clear']: 'cache.clear' })
  t.deepEqual(groupsInRecord(meta, 'order.created'), ['billing', 'mail'])
  t.deepEqual(groupsInRecord(meta, 'nothing'), [])
  t.deepEqual(groupsInRecord(undefined, 'order.created'), [])
})

test('bad names and handlers are refused; the record bounds hold', t => {
  const table = new SubscriptionTable(2)
  t.throws(() => table.add('', 'g', noop), { instanceOf: TypeError })
  t.throws(() => table.add('e', 'a,b', noop), { instanceOf: TypeError })
  t.throws(() => table.add('e', '', noop), { instanceOf: TypeError })
  t.throws(() => table.add('e', 'g', 42 as unknown as () => void), { instanceOf: TypeError })
  t.throws(() => table.add('x'.repeat(1000), 'g', noop), { instanceOf: TypeError })
  table.add('e1', 'g', noop)
  table.add('e2', 'g', noop)
  t.throws(() => table.add('e3', 'g', noop), { instanceOf: RangeError })
  table.add('e1', 'h', noop) // a new group of a known event is fine
  // the groups of one event must fit one record value
  const wide = new SubscriptionTable()
  let i = 0
  const err = t.throws(() => { for (; i < 1000; i++) wide.add('e', `group-number-${i}`, noop) }, { instanceOf: RangeError })
  t.regex(err.message, /exceed/)
  t.true(Object.values(wide.meta())[0].length <= MAX_GROUPS_VALUE)
  t.true(i > 10)
})

test('patterns: a subscription by pattern takes the events it matches, in its group, beside exact ones', t => {
  const table = new SubscriptionTable()
  const star = table.add('order.*', 'audit', noop)
  const deep = table.add('order.**', 'archive', noop)
  const exact = table.add('order.created', 'audit', () => 1)
  t.deepEqual(table.groupsOf('order.*'), ['audit'])
  t.deepEqual(table.groups('order.created').sort(), ['archive', 'audit'])
  t.deepEqual(table.groups('order.line.added'), ['archive'])
  t.deepEqual(table.groups('invoice.created'), [])
  // audit has two handlers for order.created (exact and by pattern): they take turns
  const turns = [table.next('order.created', 'audit'), table.next('order.created', 'audit'), table.next('order.created', 'audit')]
  t.deepEqual(turns, [exact, star, exact])
  t.is(table.next('order.shipped', 'audit'), star)
  t.is(table.next('order.line.added', 'audit'), undefined)
  t.is(table.next('order.line.added', 'archive'), deep)
  t.deepEqual(table.all('order.created'), [exact, star, deep])
  t.deepEqual(table.meta(), { [`${EVENT_META_PREFIX}order.*`]: 'audit', [`${EVENT_META_PREFIX}order.**`]: 'archive', [`${EVENT_META_PREFIX}order.created`]: 'audit' })
  t.true(table.remove(star))
  t.deepEqual(table.groups('order.shipped'), ['archive'])
  t.is(table.next('order.created', 'audit'), exact)
})

test('groupsInRecord reads patterns in a member\'s record', t => {
  const meta = { [`${EVENT_META_PREFIX}order.*`]: 'audit,mail', [`${EVENT_META_PREFIX}order.created`]: 'billing,mail', [`${EVENT_META_PREFIX}**`]: 'log', other: 'x' }
  t.deepEqual(groupsInRecord(meta, 'order.created').sort(), ['audit', 'billing', 'log', 'mail'])
  t.deepEqual(groupsInRecord(meta, 'order.a.b'), ['log'])
  t.deepEqual(groupsInRecord(meta, 'user.login'), ['log'])
  t.deepEqual(groupsInRecord(undefined, 'x'), [])
})
