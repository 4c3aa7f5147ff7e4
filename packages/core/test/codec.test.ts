import test from 'ava'
import fc from 'fast-check'
import { codec, exceedsDepth } from '../src/codec.js'

const cases: Array<[string, unknown]> = [
  ['null', null],
  ['numbers', [0, -1, 1.5, 2 ** 31, 2 ** 53 - 1, -(2 ** 40), Number.MAX_VALUE]],
  ['strings', ['', 'héllo', '日本', 'x'.repeat(70000)]],
  ['nested object', { a: { b: [1, { c: true }] }, d: false }],
  ['Uint8Array', new Uint8Array([0, 1, 255])],
  ['empty Uint8Array', new Uint8Array(0)],
  ['bigint small', 5n],
  ['bigint negative 64-bit', -(2n ** 63n)],
  ['bigint past 64 bits', 2n ** 100n + 7n],
  ['Date', new Date(1_700_000_000_123)],
  ['undefined', undefined],
  ['undefined in array', [undefined, 1]],
  ['Map with any keys', new Map<unknown, unknown>([[1, 'one'], ['k', { z: 2 }], [new Date(5), 1n]])],
  ['Map nested in object and array', { m: new Map([['x', [new Map([[1, 2]])]]]) }],
  ['Set', new Set([1, 'a'])]
]

for (const [name, value] of cases) {
  test(`round-trips ${name}`, t => {
    t.deepEqual(codec.decode(codec.encode(value)), value)
  })
}

test('a Map decodes as a Map and a plain object as a plain object', t => {
  const out = codec.decode(codec.encode({ obj: { a: 1 }, map: new Map([['a', 1]]) })) as Record<string, unknown>
  t.true(out.map instanceof Map)
  t.is(Object.getPrototypeOf(out.obj), Object.prototype)
})

test('encoding does not modify the value passed in', t => {
  const inner = new Map([['k', 1]])
  const value = { list: [inner], plain: { x: 1 } }
  codec.encode(value)
  t.is(value.list[0], inner)
  t.true(value.list[0] instanceof Map)
})

test('a decoded Uint8Array is a copy, not a view of the received bytes', t => {
  const bytes = codec.encode(new Uint8Array([1, 2, 3]))
  const out = codec.decode(bytes) as Uint8Array
  bytes.fill(0)
  t.deepEqual([...out], [1, 2, 3])
})

test('a __proto__ key cannot pollute prototypes', t => {
  // MessagePack map { "__proto__": { "polluted": 1 } }
  const evil = Uint8Array.from([0x81, 0xa9, ...Buffer.from('__proto__'), 0x81, 0xa8, ...Buffer.from('polluted'), 0x01])
  const out = codec.decode(evil) as Record<string, unknown>
  t.is(({} as Record<string, unknown>).polluted, undefined)
  t.is(Object.getPrototypeOf(out), Object.prototype)
  t.deepEqual(Object.keys(out), ['__proto_'])
})

test('JSON values round-trip (property)', t => {
  fc.assert(fc.property(fc.jsonValue(), v => {
    // msgpackr renames a "__proto__" key to "__proto_" (its defence against prototype pollution): tested below
    fc.pre(!JSON.stringify(v).includes('"__proto__"'))
    const out = codec.decode(codec.encode(v))
    // -0 encodes as 0 in MessagePack integers; JSON has no -0 either
    t.deepEqual(out, JSON.parse(JSON.stringify(v)))
  }), { numRuns: 2000 })
  t.pass()
})

test('hostile bytes either decode or throw an Error, never crash (property)', t => {
  let threw = 0
  fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), bytes => {
    try {
      codec.decode(bytes)
    } catch (err) {
      if (!(err instanceof Error)) throw new Error('non-Error thrown')
      threw++
    }
  }), { numRuns: 5000 })
  t.true(threw > 0)
})

test('deep nesting is detected without recursion', t => {
  let deep: unknown = 1
  for (let i = 0; i < 100_000; i++) deep = [deep]
  t.true(exceedsDepth(deep, 64))
  t.false(exceedsDepth([[[1]]], 3))
  t.true(exceedsDepth([[[1]]], 2))
  t.false(exceedsDepth({ a: new Uint8Array(10), d: new Date() }, 1))
  t.true(exceedsDepth(new Map([['a', new Map([['b', [1]]])]]), 2))
})

test('stack-overflowing input throws a catchable error and the codec keeps working', t => {
  const deep = new Uint8Array(1_000_000).fill(0x91) // [[[[...]]]]
  deep[deep.length - 1] = 0x01
  t.throws(() => codec.decode(deep))
  t.deepEqual(codec.decode(codec.encode([1, 'ok'])), [1, 'ok'])
})
