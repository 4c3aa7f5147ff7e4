/**
 * A fast path for encoding frames made of simple values: null, undefined, booleans, numbers, ASCII strings (up to
 * 255 characters), arrays and plain objects of them. It writes exactly the bytes that the value codec (msgpackr,
 * with codec.ts's options) writes for the same value; any other value (a Map, a Uint8Array, a bigint, a non-ASCII
 * or long string, deep nesting...) is left to the codec. It skips the codec's per-call set-up and its Map boxing
 * pass on the small frames that make up most calls, about 30% of their encoding time (the wire format is
 * unchanged). Decoding stays with the codec: a hand-written reader measured no faster than msgpackr's.
 */

import { FRAME_HEADER_BYTES } from './framing.js'

/** Deepest nesting taken by the fast path (a frame's own array is level 1); deeper values go to the codec. */
const MAX_SIMPLE_DEPTH = 8
/** Strings longer than this (in characters) go to the codec: str 8 is the fast path's only long string header. */
const MAX_SIMPLE_STRING = 255
/** Size of the shared buffers that encoded bodies are cut from, bytes (msgpackr also packs into a shared buffer). */
const POOL_BYTES = 64 * 1024

let pool = new Uint8Array(POOL_BYTES)
/** The pool as a DataView, for float64 (big-endian, as MessagePack). */
let poolView = new DataView(pool.buffer)
let poolAt = 0

/** What a write answers instead of the next position: the value is not simple (the codec encodes the frame). */
const NOT_SIMPLE = -1
/** ...or the pool is full (the frame is tried once more in a fresh pool). */
const FULL = -2

/**
 * The MessagePack bytes of `value` (an array or any simple value), or undefined when it holds something that
 * only the codec encodes. The bytes are a slice of a shared buffer, after a slot that holds their length as a
 * frame header (see pooledRun); neither is ever written again, so they may be queued and sent as they are.
 */
export function encodeSimple (value: unknown): Uint8Array | undefined {
  return encode(VALUE, value, 0, '', '', 0, 0, 0)
}

/** `encodeSimple([1, id, service, method, args, timeoutMs, wall, logical])`, without the array. */
export function encodeRequestSimple (id: number, service: string, method: string, args: unknown[], timeoutMs: number, wall: number, logical: number): Uint8Array | undefined {
  return encode(REQUEST, args, id, service, method, timeoutMs, wall, logical)
}

/** `encodeSimple([2, id, result, wall, logical])`, without the array. */
export function encodeResponseSimple (id: number, result: unknown, wall: number, logical: number): Uint8Array | undefined {
  return encode(RESPONSE, result, id, '', '', 0, wall, logical)
}

/** What `encode` writes: a value, or the fields of a REQUEST or RESPONSE frame (docs/protocol.md). */
const VALUE = 0
const REQUEST = 1
const RESPONSE = 2

let busy = false

function encode (kind: number, value: unknown, id: number, service: string, method: string, timeoutMs: number, wall: number, logical: number): Uint8Array | undefined {
  // a getter run while writing may encode a frame itself (a call made from it): that one goes to the codec
  if (busy) return undefined
  busy = true
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      const start = poolAt + FRAME_HEADER_BYTES
      const end = writeFrame(kind, pool, start, value, id, service, method, timeoutMs, wall, logical)
      if (end >= 0) {
        // the body's length header (framing.ts) goes in the slot before it, so a run of bodies is a ready chunk
        const len = end - start
        const o = pool
        o[poolAt] = len >>> 24
        o[poolAt + 1] = (len >>> 16) & 0xff
        o[poolAt + 2] = (len >>> 8) & 0xff
        o[poolAt + 3] = len & 0xff
        poolAt = end
        return o.subarray(start, end)
      }
      // the rest of this pool may just be too small: one more try in a fresh pool when this one is partly used
      if (end === NOT_SIMPLE || poolAt === 0) return undefined
      pool = new Uint8Array(POOL_BYTES)
      poolView = new DataView(pool.buffer)
      poolAt = 0
    }
    return undefined
  } finally {
    busy = false
  }
}

/** Writes a frame from `p`; answers the position after it, NOT_SIMPLE or FULL. */
function writeFrame (kind: number, o: Uint8Array, p: number, value: unknown, id: number, service: string, method: string, timeoutMs: number, wall: number, logical: number): number {
  if (kind === VALUE) return write(o, p, value, 1)
  if (p + 2 > POOL_BYTES) return FULL
  if (kind === REQUEST) {
    // [1, id, service, method, args, timeoutMs, wall, logical]
    o[p++] = 0x98
    o[p++] = 1
    p = writeNumber(o, p, id)
    if (p >= 0) p = writeString(o, p, service)
    if (p >= 0) p = writeString(o, p, method)
    if (p >= 0) p = write(o, p, value, 2)
    if (p >= 0) p = writeNumber(o, p, timeoutMs)
  } else {
    // [2, id, result, wall, logical]
    o[p++] = 0x95
    o[p++] = 2
    p = writeNumber(o, p, id)
    if (p >= 0) p = write(o, p, value, 2)
  }
  if (p >= 0) p = writeNumber(o, p, wall)
  if (p >= 0) p = writeNumber(o, p, logical)
  return p
}

/**
 * The chunk that frames `bodies`, each after its 4-byte length, without copying them: when they are consecutive
 * bodies of the current pool, their length slots are filled already and the run is one slice of the pool.
 * Undefined otherwise (bodies from the codec, from an older pool, or interleaved with another stream's frames):
 * then they are copied (framing.ts's encodeFrames).
 */
export function pooledRun (bodies: readonly Uint8Array[]): Uint8Array | undefined {
  const n = bodies.length
  if (n === 0) return undefined
  const buffer = pool.buffer
  const first = bodies[0]
  let next = first.byteOffset
  for (let i = 0; i < n; i++) {
    const b = bodies[i]
    if (b.buffer !== buffer || b.byteOffset !== next) return undefined
    next = b.byteOffset + b.byteLength + FRAME_HEADER_BYTES
  }
  return pool.subarray(first.byteOffset - FRAME_HEADER_BYTES, next - FRAME_HEADER_BYTES)
}

/** Whether an object is one that the codec writes as a map: its constructor is Object, or it has no prototype. */
function plainObject (v: object): boolean {
  const proto = Object.getPrototypeOf(v)
  const ctor = (v as { constructor?: unknown }).constructor
  return (proto === Object.prototype && ctor === Object) || (proto === null && ctor === undefined)
}

function writeString (o: Uint8Array, p: number, v: string): number {
  const n = v.length
  if (n > MAX_SIMPLE_STRING) return NOT_SIMPLE
  if (p + 2 + n > POOL_BYTES) return FULL
  if (n < 0x20) {
    o[p++] = 0xa0 | n
  } else {
    o[p++] = 0xd9
    o[p++] = n
  }
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i)
    if (c > 0x7f) return NOT_SIMPLE
    o[p++] = c
  }
  return p
}

function writeNumber (o: Uint8Array, p: number, v: number): number {
  if (p + 9 > POOL_BYTES) return FULL
  if (v >>> 0 === v) {
    if (v < 0x80) {
      o[p++] = v
    } else if (v < 0x100) {
      o[p++] = 0xcc
      o[p++] = v
    } else if (v < 0x10000) {
      o[p++] = 0xcd
      o[p++] = v >> 8
      o[p++] = v & 0xff
    } else {
      o[p++] = 0xce
      o[p++] = v >>> 24
      o[p++] = (v >> 16) & 0xff
      o[p++] = (v >> 8) & 0xff
      o[p++] = v & 0xff
    }
  } else if (v >> 0 === v) {
    if (v >= -0x20) {
      o[p++] = 0x100 + v
    } else if (v >= -0x80) {
      o[p++] = 0xd0
      o[p++] = v + 0x100
    } else if (v >= -0x8000) {
      o[p++] = 0xd1
      o[p++] = (v >> 8) & 0xff
      o[p++] = v & 0xff
    } else {
      o[p++] = 0xd2
      o[p++] = (v >> 24) & 0xff
      o[p++] = (v >> 16) & 0xff
      o[p++] = (v >> 8) & 0xff
      o[p++] = v & 0xff
    }
  } else {
    o[p++] = 0xcb
    poolView.setFloat64(p, v)
    p += 8
  }
  return p
}

/** Writes a value as the codec would; answers the position after it, NOT_SIMPLE or FULL. */
function write (o: Uint8Array, p: number, v: unknown, depth: number): number {
  switch (typeof v) {
    case 'string': return writeString(o, p, v)
    case 'number': return writeNumber(o, p, v)
    case 'boolean':
      if (p + 1 > POOL_BYTES) return FULL
      o[p] = v ? 0xc3 : 0xc2
      return p + 1
    case 'undefined':
      // msgpackr's undefined: fixext 1 of type 0 with data 0
      if (p + 3 > POOL_BYTES) return FULL
      o[p] = 0xd4
      o[p + 1] = 0
      o[p + 2] = 0
      return p + 3
    case 'object': {
      if (v === null) {
        if (p + 1 > POOL_BYTES) return FULL
        o[p] = 0xc0
        return p + 1
      }
      if (depth > MAX_SIMPLE_DEPTH) return NOT_SIMPLE
      if (Array.isArray(v)) {
        const n = v.length
        if (n >= 0x10000) return NOT_SIMPLE
        if (p + 3 > POOL_BYTES) return FULL
        if (n < 0x10) {
          o[p++] = 0x90 | n
        } else {
          o[p++] = 0xdc
          o[p++] = n >> 8
          o[p++] = n & 0xff
        }
        for (let i = 0; i < n && p >= 0; i++) p = write(o, p, v[i], depth + 1)
        return p
      }
      if (!plainObject(v)) return NOT_SIMPLE
      if (p + 3 > POOL_BYTES) return FULL
      // the codec always writes a plain object as map 16
      o[p] = 0xde
      const sizeAt = p + 1
      p += 3
      let n = 0
      for (const key in v) {
        if (!Object.hasOwn(v, key)) continue
        p = writeString(o, p, key)
        if (p >= 0) p = write(o, p, (v as Record<string, unknown>)[key], depth + 1)
        if (p < 0) return p
        n++
      }
      if (n >= 0x10000) return NOT_SIMPLE
      o[sizeAt] = n >> 8
      o[sizeAt + 1] = n & 0xff
      return p
    }
    default:
      return NOT_SIMPLE
  }
}
