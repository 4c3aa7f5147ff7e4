/**
 * The typed frames of protocol 2: encode/decode round trips for every frame type, and decodeFrame on hostile
 * bytes (random, mutated real frames, wrong field types): it returns a frame, an InvalidRequest that names the
 * request's id, an unknown frame, or throws a PROTOCOL RpcError; never anything else.
 */
import test from 'ava'
import fc from 'fast-check'
import { codec } from '../src/codec.js'
import { RpcError } from '../src/errors.js'
import { FrameType, decodeFrame, encodeFrame, isRequestId } from '../src/wire/frames.js'
import type { Frame } from '../src/wire/frames.js'

const SEED = Number(process.env.PEERCALL_FUZZ_SEED ?? 20261206)
const LIMITS = { maxDepth: 64 }

const id = fc.integer({ min: 1, max: 0xffffffff })
const wall = fc.integer({ min: 1, max: 2 ** 47 })
const logical = fc.nat({ max: 1e6 })
const meta = fc.option(fc.dictionary(fc.string({ minLength: 1, maxLength: 16 }), fc.string({ maxLength: 32 }), { maxKeys: 8 }), { nil: undefined })
const value = fc.jsonValue({ maxDepth: 3 })

const frame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({
    type: fc.constant(FrameType.REQUEST), id, service: fc.string({ minLength: 1 }), method: fc.string({ minLength: 1 }),
    args: fc.array(value, { maxLength: 4 }), timeoutMs: fc.nat(), wall, logical,
    opts: fc.option(fc.record({ callId: fc.string({ minLength: 1 }), ordered: fc.boolean(), key: fc.string() }, { requiredKeys: [] }), { nil: undefined }),
    meta
  }),
  fc.record({ type: fc.constant(FrameType.RESPONSE), id, result: value, wall, logical, trailers: meta }),
  fc.record({
    type: fc.constant(FrameType.ERROR), id, code: fc.constantFrom('UNAVAILABLE', 'NOT_FOUND', 'REMOTE', 'OVERLOADED'), message: fc.string(),
    name: fc.string(), data: value, mayHaveExecuted: fc.boolean(), retryable: fc.boolean(), wall, logical, trailers: meta
  }),
  fc.record({ type: fc.constant(FrameType.CANCEL), id }),
  fc.record({ type: fc.constant(FrameType.PING), nonce: fc.nat() }),
  fc.record({ type: fc.constant(FrameType.PONG), nonce: fc.nat() }),
  fc.record({ type: fc.constant(FrameType.GOAWAY), reason: fc.string() }),
  fc.record({ type: fc.constantFrom(FrameType.ITEM, FrameType.INPUT), id, value }),
  fc.record({ type: fc.constantFrom(FrameType.ITEM_CREDIT, FrameType.INPUT_CREDIT), id, n: fc.integer({ min: 1, max: 1 << 20 }) }),
  fc.record({ type: fc.constant(FrameType.INPUT_END), id })
) as fc.Arbitrary<Frame>

/** Drops keys whose value is undefined (absent on the wire), so decoded and original compare equal. */
function defined (f: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined))
}

test('every frame round-trips through encodeFrame and decodeFrame', t => {
  fc.assert(fc.property(frame, f => {
    const back = decodeFrame(encodeFrame(f), LIMITS)
    t.deepEqual(defined(back), defined(JSON.parse(JSON.stringify(f)) as object))
  }), { seed: SEED, numRuns: 2000 })
  t.pass()
})

/** decodeFrame's contract on any input. */
function decodesOrRefuses (bytes: Uint8Array): 'frame' | 'invalid' | 'unknown' | 'protocol' {
  try {
    const d = decodeFrame(bytes, LIMITS)
    if (d.type === 'invalid-request') {
      if (!isRequestId(d.id) || typeof d.reason !== 'string') throw new Error('invalid-request without id or reason')
      return 'invalid'
    }
    return d.type === 'unknown' ? 'unknown' : 'frame'
  } catch (err) {
    if (err instanceof RpcError && err.code === 'PROTOCOL') return 'protocol'
    throw err
  }
}

test('random bytes: a frame, an answerable invalid request, an unknown frame, or PROTOCOL; nothing else', t => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), bytes => { decodesOrRefuses(bytes) }), { seed: SEED, numRuns: 5000 })
  t.pass()
})

test('mutated real frames (bit flips, truncation): the same contract', t => {
  fc.assert(fc.property(frame, fc.array(fc.nat(), { maxLength: 4 }), fc.nat(), (f, flips, cut) => {
    const bytes = encodeFrame(f).slice()
    for (const bit of flips) if (bytes.byteLength > 0) bytes[bit % bytes.byteLength] ^= 1 << (bit % 8)
    decodesOrRefuses(bytes.subarray(0, bytes.byteLength === 0 ? 0 : 1 + (cut % bytes.byteLength)))
  }), { seed: SEED, numRuns: 5000 })
  t.pass()
})

test('requests with a valid id and any wrong field are answerable (InvalidRequest), not a reset', t => {
  const wrong = fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.boolean(), fc.constant([]), fc.constant({ x: 1 }), fc.double())
  fc.assert(fc.property(id, fc.integer({ min: 2, max: 5 }), wrong, (rid, field, bad) => {
    const f: unknown[] = [1, rid, 'S', 'm', [], 0, 1, 0]
    f[field] = bad
    const d = decodeFrame(codec.encode(f), LIMITS)
    const valid = (field === 2 || field === 3) ? typeof bad === 'string' && bad.length > 0
      : field === 4 ? Array.isArray(bad)
        : typeof bad === 'number' && bad >= 0 && bad <= Number.MAX_SAFE_INTEGER
    t.is(d.type === 'invalid-request', !valid, JSON.stringify(f))
    if (d.type === 'invalid-request') t.is(d.id, rid)
  }), { seed: SEED, numRuns: 2000 })
})

test('unknown frame types decode as unknown (ignored, so later versions may add frames); unknown error codes read as INTERNAL, not retryable', t => {
  t.is(decodeFrame(codec.encode([99, 'future']), LIMITS).type, 'unknown')
  const e = decodeFrame(codec.encode([3, 7, 'FUTURE_CODE', 'm', 'RpcError', null, false, 1, 0, true]), LIMITS)
  t.is(e.type, FrameType.ERROR)
  if (e.type === FrameType.ERROR) {
    t.is(e.code, 'INTERNAL')
    t.false(e.retryable)
  }
})
