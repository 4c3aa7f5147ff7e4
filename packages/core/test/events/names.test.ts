import test from 'ava'
import fc from 'fast-check'
import { emitNameProblem, eventMatches, isPattern } from '../../src/events/names.js'

test('patterns: "*" is one word or part of one, "**" anything; other characters are literal', t => {
  const cases: Array<[string, string, boolean]> = [
    ['order.*', 'order.created', true],
    ['order.*', 'order.line.added', false],
    ['order.*', 'order', false],
    ['order.**', 'order.line.added', true],
    ['*.created', 'order.created', true],
    ['*.created', 'a.b.created', false],
    ['**.created', 'a.b.created', true],
    ['order.cr*', 'order.created', true],
    ['**', 'anything.at.all', true],
    ['a+b.*', 'a+b.x', true],
    ['a+b.*', 'aab.x', false],
    ['(x).*', '(x).y', true],
    ['order.created', 'order.created', true],
    ['order.created', 'order.createdX', false]
  ]
  for (const [pattern, event, want] of cases) t.is(eventMatches(pattern, event), want, `${pattern} ~ ${event}`)
  t.true(isPattern('a.*'))
  t.false(isPattern('a.b'))
})

test('property: a name without "*" matches itself only; "**" matches every name', t => {
  const name = fc.string({ minLength: 1, maxLength: 30 }).filter(s => !s.includes('*'))
  fc.assert(fc.property(name, name, (a, b) => eventMatches(a, a) && eventMatches('**', a) && eventMatches(a, b) === (a === b)))
  t.pass()
})

test('an emitted name is not a pattern', t => {
  t.is(emitNameProblem('order.created'), undefined)
  t.regex(emitNameProblem('order.*') ?? '', /must not contain "\*"/)
  t.regex(emitNameProblem('') ?? '', /non-empty/)
})
