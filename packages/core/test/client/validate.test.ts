import test from 'ava'
import { callProblem } from '../../src/client/validate.js'

test('callProblem: what a caller refuses before anything is sent, and what it lets through', t => {
  const ok: Array<[unknown, unknown, unknown, unknown]> = [
    ['S', 'm', [], {}],
    ['S', 'm', [1, 'x'], { timeoutMs: 0 }],
    ['S', 'm', [], { timeoutMs: Infinity }],
    ['S', 'm', [], { timeoutMs: 30 * 24 * 3600 * 1000 }],
    ['S', 'm', [], { meta: { 'trace-id': 'abc' }, balance: 'hash', key: 'k', retries: 0, hedgeAfterMs: 0 }]
  ]
  for (const [s, m, a, o] of ok) t.is(callProblem(s, m, a, o), undefined, JSON.stringify([s, m, a, o]))
  const bad: Array<[unknown, unknown, unknown, unknown, RegExp]> = [
    [42, 'm', [], {}, /service/],
    ['', 'm', [], {}, /service/],
    ['S', 7, [], {}, /method/],
    ['S', 'm', 'x', {}, /args/],
    ['S', 'm', [], null, /options/],
    ['S', 'm', [], { timeoutMs: -1 }, /timeoutMs/],
    ['S', 'm', [], { timeoutMs: Number.NaN }, /timeoutMs/],
    ['S', 'm', [], { timeoutMs: '5' }, /timeoutMs/],
    ['S', 'm', [], { attemptTimeoutMs: 0 }, /attemptTimeoutMs/],
    ['S', 'm', [], { retries: 1.5 }, /retries/],
    ['S', 'm', [], { balance: 'bogus' }, /balance/],
    ['S', 'm', [], { signal: {} }, /signal/],
    ['S', 'm', [], { meta: { n: 1 } }, /not a string/],
    ['S', 'm', [], { meta: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, ''])) }, /entries/],
    ['S', 'm', [], { meta: { k: 'x'.repeat(9000) } }, /bytes/],
    ['S', 'm', [], { onTrailers: 'no' }, /onTrailers/]
  ]
  for (const [s, m, a, o, why] of bad) t.regex(callProblem(s, m, a, o) ?? '', why, JSON.stringify([s, m, a, o]).slice(0, 80))
})
