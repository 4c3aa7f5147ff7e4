/**
 * The fast decoder of REQUEST and RESPONSE frames: for every body it takes, its frame is exactly the one the codec's
 * path makes (decodeFrame through msgpackr); every body it does not take is left to the codec (undefined).
 */
import test from 'ava'
import fc from 'fast-check'
import { codec } from '../src/codec.js'
import { decodeFrame, encodeRequest, encodeResponse } from '../src/wire/frames.js'
import { decodeCallFrame } from '../src/wire/simple-unpack.js'
import type { Decoded } from '../src/wire/frames.js'

const SEED = Number(process.env.PEERCALL_FUZZ_SEED ?? 20261207)

/** decodeFrame without the fast path: the codec's value, then frames.ts's checks (a limit below the fast path's). */
function viaCodec (body: Uint8Array): Decoded {
  return decodeFrame(body, { maxDepth: 7 })
}

const ascii = fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map(c => String.fromCharCode(c)), maxLength: 300 })
const text = fc.oneof(ascii, fc.string({ maxLength: 20 }), fc.constantFrom('', 'é', '日本', '__proto__', 'constructor'))
const number = fc.oneof(
  fc.integer(), fc.integer({ min: -0x80000000, max: 0xffffffff }), fc.double(), fc.constantFrom(0, -0, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff, 2 ** 32, -0x20, -0x21, -0x80, -0x81, -0x8000, -0x8001, -0x80000000, -0x80000001, NaN, Infinity, -Infinity, 2 ** 53)
)
const value = fc.letrec(tie => ({
  value: fc.oneof({ depthSize: 'small' }, text, number, fc.boolean(), fc.constant(null), fc.constant(undefined), fc.bigInt(), fc.constant(new Uint8Array([1, 2])), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 12 }),
  object: fc.dictionary(text, tie('value'), { maxKeys: 10 })
})).value

test('a body it takes decodes to the codec\'s frame', t => {
  let taken = 0
  fc.assert(fc.property(fc.integer({ min: -1, max: 2 ** 33 }), text, text, fc.array(value, { maxLength: 4 }), value, number, number, number,
    (id, service, method, args, result, timeoutMs, wall, logical) => {
      // bodies as a peer's codec writes them (any values), and as this peer's encoder does
      const bodies = [
        codec.encode([1, id, service, method, args, timeoutMs, wall, logical]),
        codec.encode([2, id, result, wall, logical]),
        codec.encode([1, id, service, method, result, timeoutMs, wall, logical])
      ]
      if (Number.isInteger(id) && id > 0 && id <= 0xffffffff) {
        try {
          bodies.push(encodeRequest(id, service || 'S', method || 'm', args, Math.abs(Math.trunc(timeoutMs)) || 0, { wall: Math.abs(wall) || 1, logical: 0 }, undefined, undefined))
          bodies.push(encodeResponse(id, result, { wall: Math.abs(wall) || 1, logical: 3 }, undefined))
        } catch {}
      }
      for (const body of bodies) {
        const fast = decodeCallFrame(body)
        if (fast === undefined) continue
        taken++
        t.deepEqual(fast, viaCodec(body) as unknown)
      }
    }), { seed: SEED, numRuns: 3000 })
  t.true(taken > 1000, `the fast path took ${taken} bodies`)
})

test('typical frames take the fast path', t => {
  const ts = { wall: Date.now(), logical: 0 }
  const a = decodeCallFrame(encodeRequest(1, 'Echo', 'echo', ['0123456789abcdef'], 5000, ts, undefined, undefined))
  const b = decodeCallFrame(encodeRequest(2, 'Echo', 'echo', ['x'], 0, ts, undefined, undefined))
  t.like(a, { type: 1, id: 1, service: 'Echo', method: 'echo', args: ['0123456789abcdef'], timeoutMs: 5000, wall: ts.wall, logical: 0 })
  t.like(b, { type: 1, id: 2, args: ['x'], timeoutMs: 0 })
  t.like(decodeCallFrame(encodeRequest(3, 'Kv', 'get', [{ key: 'user:1', n: 1.5, ok: true, none: null, list: [1, -2, 'c'] }], 1, ts, undefined, undefined)),
    { service: 'Kv', method: 'get', args: [{ key: 'user:1', n: 1.5, ok: true, none: null, list: [1, -2, 'c'] }] })
  t.like(decodeCallFrame(encodeResponse(7, undefined, ts, undefined)), { type: 2, id: 7, result: undefined, trailers: undefined })
  t.like(decodeCallFrame(encodeResponse(8, 'x'.repeat(300), ts, undefined)), { type: 2, id: 8, result: 'x'.repeat(300) })
})

test('anything else is left to the codec', t => {
  const ts = { wall: Date.now(), logical: 0 }
  const full = encodeRequest(1, 'Echo', 'echo', ['x'], 5000, ts, undefined, undefined).slice()
  const others: Uint8Array[] = [
    encodeRequest(1, 'Echo', 'echo', ['x'], 5000, ts, { callId: 'c' }, undefined), // options
    encodeRequest(1, 'Echo', 'echo', ['x'], 5000, ts, undefined, { a: 'b' }), // metadata
    encodeResponse(1, 'x', ts, { t: 'v' }), // trailers
    codec.encode([3, 1, 'REMOTE', 'boom', 'Error', null, true, ts.wall, 0, false]), // another frame
    codec.encode([4, 1]),
    codec.encode([2, 1, 'é', ts.wall, 0]), // not ASCII
    codec.encode([2, 1, JSON.parse('{"__proto__": 1}'), ts.wall, 0]), // the codec has its own rule for this key
    codec.encode([2, 1, 2n ** 70n, ts.wall, 0]), // a bigint
    codec.encode([2, 1, new Uint8Array([1]), ts.wall, 0]),
    codec.encode([2, 1, new Date(0), ts.wall, 0]),
    codec.encode([2, 1, [[[[[[[[[1]]]]]]]]], ts.wall, 0]), // deeper than the fast path goes
    codec.encode([2, 0, 'x', ts.wall, 0]), // no valid id
    codec.encode([1, 1, '', 'echo', [], 0, ts.wall, 0]), // invalid requests: answered by the codec's path
    codec.encode([1, 1, 'Echo', 'echo', 'x', 0, ts.wall, 0]),
    codec.encode([1, 1, 'Echo', 'echo', [], -1, ts.wall, 0]),
    codec.encode([1, 1, 'Echo', 'echo', [], 0, 'now', 0]),
    full.subarray(0, full.byteLength - 1), // truncated
    Buffer.concat([full, Buffer.from([0])]) // a byte after the frame
  ]
  for (const body of others) t.is(decodeCallFrame(body), undefined, Buffer.from(body).toString('hex'))
})
