/**
 * The fast encoder of simple frames: for every value it takes, its bytes are exactly the codec's (so peers see
 * the same wire format); every value it does not take is left to the codec (undefined).
 */
import test from 'ava'
import fc from 'fast-check'
import { codec } from '../src/codec.js'
import { encodeFrames } from '../src/wire/framing.js'
import { encodeRequestSimple, encodeResponseSimple, encodeSimple, pooledRun } from '../src/wire/simple-pack.js'

const SEED = Number(process.env.PEERCALL_FUZZ_SEED ?? 20261206)
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

const ascii = fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map(c => String.fromCharCode(c)), maxLength: 300 })
const number = fc.oneof(
  fc.integer(), fc.integer({ min: -0x80000000, max: 0xffffffff }), fc.double(), fc.constantFrom(0, -0, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff, 2 ** 32, -0x20, -0x21, -0x80, -0x81, -0x8000, -0x8001, -0x80000000, -0x80000001, NaN, Infinity, -Infinity, 2 ** 53)
)
const simple = fc.letrec(tie => ({
  value: fc.oneof({ depthSize: 'small' }, ascii, number, fc.boolean(), fc.constant(null), fc.constant(undefined), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 20 }),
  object: fc.dictionary(ascii, tie('value'), { maxKeys: 18 })
}))

test('its bytes are the codec\'s for every simple value, frames included', t => {
  fc.assert(fc.property(simple.value, v => {
    const fast = encodeSimple(v)
    // values too deep or with strings too long are left to the codec; all others are taken
    if (fast === undefined) return true
    return hex(fast) === hex(codec.encode(v))
  }), { seed: SEED, numRuns: 2000 })
  fc.assert(fc.property(fc.integer({ min: 1, max: 0xffffffff }), ascii, fc.array(simple.value, { maxLength: 4 }), fc.nat(), fc.integer({ min: 1, max: 2 ** 47 }), fc.nat(),
    (id, s, args, timeoutMs, wall, logical) => {
      const frame = [1, id, s.slice(0, 30) || 'S', 'm', args, timeoutMs, wall, logical]
      const fast = encodeSimple(frame)
      const request = encodeRequestSimple(id, frame[2] as string, 'm', args, timeoutMs, wall, logical)
      const response = encodeResponseSimple(id, args, wall, logical)
      if (request !== undefined && hex(request) !== hex(codec.encode(frame))) return false
      if (response !== undefined && hex(response) !== hex(codec.encode([2, id, args, wall, logical]))) return false
      return fast === undefined || (hex(fast) === hex(codec.encode(frame)) && request !== undefined && response !== undefined)
    }), { seed: SEED, numRuns: 1000 })
  t.pass()
})

test('typical frames take the fast path', t => {
  const frames: unknown[][] = [
    [1, 1, 'Echo', 'echo', ['0123456789abcdef'], 5000, Date.now(), 0],
    [1, 0xffffffff, 'Kv', 'put', [{ key: 'user:1', value: { name: 'ada', tags: ['a', 'b'], n: 1.5, ok: true, none: null } }], 0, Date.now(), 7, { callId: 'c-1', ordered: true, key: 'k' }],
    [2, 7, undefined, Date.now(), 3],
    [2, 7, 'x'.repeat(255), Date.now(), 3, Object.freeze(Object.assign(Object.create(null), { t: 'v' }))],
    [4, 9]
  ]
  for (const f of frames) {
    const fast = encodeSimple(f)
    t.truthy(fast, JSON.stringify(f))
    t.is(hex(fast as Uint8Array), hex(codec.encode(f)))
  }
})

test('anything else is left to the codec', t => {
  class Point { x = 1 }
  const others: unknown[] = [
    new Map([[1, 2]]), new Set([1]), new Uint8Array(2), new Date(0), 1n, 'é', 'x'.repeat(256), new Point(), () => {}, Symbol('s'),
    { constructor: Array, length: 1 }, [[[[[[[[[['deep']]]]]]]]]], { m: new Map() }
  ]
  for (const v of others) t.is(encodeSimple([2, 1, v, 0, 0]), undefined, String(typeof v === 'symbol' ? 'symbol' : JSON.stringify(v, (_k, x) => typeof x === 'bigint' ? 'bigint' : x)))
})

test('bodies are never overwritten by later frames, across pool boundaries', t => {
  const kept: Array<[Uint8Array, string]> = []
  for (let i = 0; i < 5000; i++) {
    const f = [2, i + 1, 'v'.repeat(i % 200), i * 1.5, i]
    const body = encodeSimple(f) as Uint8Array
    kept.push([body, hex(codec.encode(f))])
  }
  for (const [body, expected] of kept) t.is(hex(body), expected)
})

test('a getter that encodes a frame while a frame is written gets the codec, and both come out right', t => {
  const inner: Uint8Array[] = []
  const value = { get k () { inner.push(encodeSimple([4, 5]) ?? codec.encode([4, 5])); return 'v' } }
  const outer = encodeSimple([2, 1, value, 0, 0]) as Uint8Array
  t.is(hex(outer), hex(codec.encode([2, 1, { k: 'v' }, 0, 0])))
  t.is(hex(inner[0]), hex(codec.encode([4, 5])))
})

test('consecutive bodies are framed without a copy, byte for byte as encodeFrames frames them; any other run is not', t => {
  const bodies = Array.from({ length: 50 }, (_, i) => encodeSimple([2, i + 1, 'x'.repeat(i), i * 0.5, i]) as Uint8Array)
  const run = pooledRun(bodies)
  t.truthy(run)
  t.is(hex(run as Uint8Array), hex(encodeFrames(bodies)))
  t.is((run as Uint8Array).buffer, bodies[0].buffer) // a slice of the pool, not a copy
  t.is(pooledRun([bodies[0], bodies[2]]), undefined) // a gap: another stream's frame between them
  t.is(pooledRun([bodies[1], bodies[0]]), undefined) // out of order
  t.is(pooledRun([bodies[3], codec.encode([4, 1])]), undefined) // a body from the codec
  t.is(pooledRun([]), undefined)
  // across a change of pool: the older bodies are copied
  const old = encodeSimple([4, 1]) as Uint8Array
  for (let i = 0; i < 2000; i++) encodeSimple([2, 1, 'y'.repeat(200), 0, 0])
  t.is(pooledRun([old]), undefined)
  const fresh = [encodeSimple([4, 2]) as Uint8Array, encodeSimple([4, 3]) as Uint8Array]
  t.is(hex(pooledRun(fresh) as Uint8Array), hex(encodeFrames(fresh)))
})
