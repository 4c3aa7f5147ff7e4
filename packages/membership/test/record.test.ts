import test from 'ava'
import { asRecord, MAX_RECORD_LIST, MAX_RECORD_META, MAX_RECORD_STRING } from '../src/record.js'

test('a well-formed record is kept as it is', t => {
  const r = asRecord({ addrs: ['/ip4/127.0.0.1/tcp/1'], services: ['Calculator'], meta: { 'idem:Calculator': 'add' }, load: { inflight: 2, latencyMs: 1.5, eventLoopDelayMs: 3, cpu: 0.1, memoryMb: 80 } })
  t.deepEqual(r, { addrs: ['/ip4/127.0.0.1/tcp/1'], services: ['Calculator'], meta: { 'idem:Calculator': 'add' }, load: { inflight: 2, latencyMs: 1.5, eventLoopDelayMs: 3, cpu: 0.1, memoryMb: 80 } })
})

test('lists, meta entries and strings are bounded; long strings are dropped, not cut', t => {
  const long = 'x'.repeat(MAX_RECORD_STRING + 1)
  const many = Array.from({ length: MAX_RECORD_LIST + 10 }, (_, i) => `s${i}`)
  const meta = Object.fromEntries(Array.from({ length: MAX_RECORD_META + 10 }, (_, i) => [`k${i}`, 'v']))
  const r = asRecord({ addrs: [long, '/ip4/127.0.0.1/tcp/1'], services: many, meta: { ...meta, [long]: 'v', k: long } })
  t.deepEqual(r.addrs, ['/ip4/127.0.0.1/tcp/1'])
  t.is(r.services.length, MAX_RECORD_LIST)
  t.is(Object.keys(r.meta).length, MAX_RECORD_META)
  t.false(Object.values(r.meta).some(v => v.length > MAX_RECORD_STRING))
})

test('malformed payloads become empty, never throw', t => {
  for (const x of [undefined, null, 42, 'str', [], { addrs: 'x', services: [1, null, {}], meta: ['a'], load: 'high' }, { meta: { a: 1, b: {} }, load: { inflight: NaN, cpu: Infinity } }]) {
    const r = asRecord(x)
    t.deepEqual(r.addrs, [])
    t.deepEqual(r.services, [])
    t.deepEqual(r.meta, {})
    t.true(Object.values(r.load).every(v => v === 0))
  }
  // no prototype pollution through meta
  const r = asRecord(JSON.parse('{"meta":{"__proto__":"x","a":"b"}}'))
  t.deepEqual(Object.keys(r.meta), ['a'])
  t.is(({} as Record<string, unknown>).x, undefined)
})
