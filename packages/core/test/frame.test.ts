import test from 'ava'
import fc from 'fast-check'
import { RpcError } from '../src/errors.js'
import { FrameDecoder, encodeFrames } from '../src/wire/framing.js'

const bodies = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(1000).fill(7), new Uint8Array([9])]

test('encodes each body behind a 4-byte big-endian length', t => {
  const out = encodeFrames([new Uint8Array([0xaa, 0xbb]), new Uint8Array([0xcc])])
  t.deepEqual([...out], [0, 0, 0, 2, 0xaa, 0xbb, 0, 0, 0, 1, 0xcc])
})

test('decodes many frames merged in one chunk', t => {
  const d = new FrameDecoder()
  t.deepEqual(d.push(encodeFrames(bodies)).map(b => [...b]), bodies.map(b => [...b]))
  t.is(d.pendingBytes, 0)
})

test('decodes frames split at every byte boundary', t => {
  const wire = encodeFrames(bodies)
  const d = new FrameDecoder()
  const out: number[][] = []
  for (let i = 0; i < wire.length; i++) out.push(...d.push(wire.subarray(i, i + 1)).map(b => [...b]))
  t.deepEqual(out, bodies.map(b => [...b]))
})

test('any chunking yields the same frames (property)', t => {
  fc.assert(fc.property(
    fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
    fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 50 }),
    (frames, cuts) => {
      const wire = encodeFrames(frames)
      const d = new FrameDecoder()
      const out: number[][] = []
      let pos = 0
      let i = 0
      while (pos < wire.length) {
        const n = cuts[i++ % cuts.length]
        out.push(...d.push(wire.slice(pos, pos + n)).map(b => [...b]))
        pos += n
      }
      t.deepEqual(out, frames.map(b => [...b]))
      t.is(d.pendingBytes, 0)
    }), { numRuns: 1000 })
  t.pass()
})

test('a length above the limit is rejected before its body arrives', t => {
  const d = new FrameDecoder({ maxFrameSize: 1024 })
  const err = t.throws(() => d.push(Uint8Array.from([0, 0, 4, 1])), { instanceOf: RpcError })
  t.is((err as RpcError).code, 'PROTOCOL')
  t.regex(err.message, /1025 bytes exceeds the limit of 1024/)
})

test('an oversized length split across chunks is rejected as soon as its header is complete', t => {
  const d = new FrameDecoder({ maxFrameSize: 10 })
  t.deepEqual(d.push(Uint8Array.from([0, 0])), [])
  t.throws(() => d.push(Uint8Array.from([1, 0])), { instanceOf: RpcError })
})

test('a frame of exactly the limit is accepted', t => {
  const d = new FrameDecoder({ maxFrameSize: 8 })
  t.is(d.push(encodeFrames([new Uint8Array(8)])).length, 1)
})

test('a large frame in many chunks is joined once', t => {
  const big = new Uint8Array(1 << 20).map((_, i) => i & 0xff)
  const wire = encodeFrames([big])
  const d = new FrameDecoder()
  let out: Uint8Array[] = []
  for (let pos = 0; pos < wire.length; pos += 65536) out = out.concat(d.push(wire.subarray(pos, pos + 65536)))
  t.is(out.length, 1)
  t.deepEqual(out[0], big)
})

test('a partial frame is copied, also from a Buffer whose memory the caller reuses', t => {
  const d = new FrameDecoder()
  const wire = Buffer.from(encodeFrames([Uint8Array.from([1, 2, 3, 4])]))
  const first = wire.subarray(0, 6)
  t.deepEqual(d.push(first), [])
  first.fill(0xee) // the transport reuses its buffer
  const out = d.push(wire.subarray(6))
  t.deepEqual([...out[0]], [1, 2, 3, 4])
})
