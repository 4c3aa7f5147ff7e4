import test from 'ava'
import { encodeFrames, FrameDecoder, MAX_VARINT_BYTES, readVarint, varintLength, writeVarint } from '../src/frames.js'

const bytes = (n: number, fill = n & 0xff): Uint8Array => new Uint8Array(n).fill(fill)

test('varints round-trip, with the lengths of the unsigned LEB128 encoding', t => {
  const table: Array<[number, number]> = [[0, 1], [1, 1], [127, 1], [128, 2], [300, 2], [16_383, 2], [16_384, 3], [4 * 1024 * 1024, 4], [2 ** 32, 5]]
  for (const [n, len] of table) {
    t.is(varintLength(n), len, `length of ${n}`)
    const buf = new Uint8Array(len)
    t.is(writeVarint(n, buf, 0), len)
    t.deepEqual(readVarint(buf, 0), { value: n, bytes: len })
  }
  // 300 is [0xac, 0x02] (the multiformats unsigned-varint spec's example)
  const buf = new Uint8Array(2)
  writeVarint(300, buf, 0)
  t.deepEqual([...buf], [0xac, 0x02])
})

test('a truncated varint reads as incomplete, an over-long one throws', t => {
  t.is(readVarint(new Uint8Array([0x80, 0x80]), 0), undefined)
  t.is(readVarint(new Uint8Array([]), 0), undefined)
  t.throws(() => readVarint(new Uint8Array(MAX_VARINT_BYTES + 1).fill(0x80), 0), { message: /longer than/ })
})

test('frames of one chunk decode to their bodies, several frames in one chunk too', t => {
  const bodies = [bytes(0), bytes(1), bytes(127), bytes(128), bytes(1000)]
  const d = new FrameDecoder(4096)
  const out = d.push(encodeFrames(bodies))
  t.deepEqual(out.map(b => [...b]), bodies.map(b => [...b]))
  t.is(d.pendingBytes, 0)
})

test('frames split across chunks at every position decode the same', t => {
  const bodies = [bytes(3), bytes(200), bytes(1), bytes(130)]
  const wire = encodeFrames(bodies)
  for (let cut = 0; cut <= wire.byteLength; cut++) {
    const d = new FrameDecoder(4096)
    const out = [...d.push(wire.slice(0, cut)), ...d.push(wire.slice(cut))]
    t.deepEqual(out.map(b => [...b]), bodies.map(b => [...b]), `cut at ${cut}`)
    t.is(d.pendingBytes, 0)
  }
  // one byte at a time: every prefix byte and body byte in its own chunk
  const d = new FrameDecoder(4096)
  const out: number[][] = []
  for (let i = 0; i < wire.byteLength; i++) for (const b of d.push(wire.slice(i, i + 1))) out.push([...b])
  t.deepEqual(out, bodies.map(b => [...b]))
})

test('a body returned stays intact when the pushed chunk is reused afterwards', t => {
  const wire = encodeFrames([bytes(10, 7), bytes(10, 9)])
  const d = new FrameDecoder(100)
  const chunk = wire.slice(0, 15) // the first frame and part of the second
  t.deepEqual(d.push(chunk).map(b => [...b]), [[...bytes(10, 7)]])
  chunk.fill(0) // the caller reuses its buffer
  t.deepEqual(d.push(wire.slice(15)).map(b => [...b]), [[...bytes(10, 9)]])
})

test('a frame above the limit throws as soon as its length is read, before its body arrives', t => {
  const d = new FrameDecoder(100)
  const wire = encodeFrames([bytes(101)])
  t.throws(() => d.push(wire.slice(0, 1)), { message: /exceeds the limit of 100 bytes/ })
  // at the limit is fine
  t.deepEqual(new FrameDecoder(100).push(encodeFrames([bytes(100)])).map(b => b.byteLength), [100])
  // a length prefix split across chunks is checked once complete
  const big = encodeFrames([bytes(300)])
  const d2 = new FrameDecoder(200)
  t.deepEqual(d2.push(big.slice(0, 1)), [])
  t.throws(() => d2.push(big.slice(1, 2)), { message: /exceeds/ })
  // a malformed (over-long) prefix throws
  t.throws(() => new FrameDecoder(100).push(new Uint8Array(8).fill(0xff)), { message: /longer than/ })
})

test('a truncated frame leaves its bytes pending and returns nothing', t => {
  const wire = encodeFrames([bytes(5), bytes(50)])
  const d = new FrameDecoder(100)
  const out = d.push(wire.slice(0, wire.byteLength - 10))
  t.is(out.length, 1)
  t.is(d.pendingBytes, 1 + 50 - 10)
})
