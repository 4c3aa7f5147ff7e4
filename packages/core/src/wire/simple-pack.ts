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
let poolAt = 0
let out: Uint8Array = pool
let at = 0
/** Set when a value is not simple (or the pool is too small for it): the codec encodes the frame. */
let refused = false
/** The pool as a DataView, for float64 (big-endian, as MessagePack). */
let poolView = new DataView(pool.buffer)

/**
 * The MessagePack bytes of `value` (an array or any simple value), or undefined when it holds something that
 * only the codec encodes. The bytes are a slice of a shared buffer, after a slot that holds their length as a
 * frame header (see pooledRun); neither is ever written again, so they may be queued and sent as they are.
 */
export function encodeSimple (value: unknown): Uint8Array | undefined {
  return encode(VALUE, value, undefined, undefined, undefined, undefined, 0, 0)
}

/** `encodeSimple([1, id, service, method, args, timeoutMs, wall, logical])`, without the array. */
export function encodeRequestSimple (id: number, service: string, method: string, args: unknown[], timeoutMs: number, wall: number, logical: number): Uint8Array | undefined {
  return encode(REQUEST, args, id, service, method, timeoutMs, wall, logical)
}

/** `encodeSimple([2, id, result, wall, logical])`, without the array. */
export function encodeResponseSimple (id: number, result: unknown, wall: number, logical: number): Uint8Array | undefined {
  return encode(RESPONSE, result, id, undefined, undefined, undefined, wall, logical)
}

/** What `encode` writes: a value, or the fields of a REQUEST or RESPONSE frame (docs/protocol.md). */
const VALUE = 0
const REQUEST = 1
const RESPONSE = 2

let busy = false

function encode (kind: number, value: unknown, id: number | undefined, service: string | undefined, method: string | undefined, timeoutMs: number | undefined, wall: number, logical: number): Uint8Array | undefined {
  // a getter run while writing may encode a frame itself (a call made from it): that one goes to the codec
  if (busy) return undefined
  busy = true
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      out = pool
      at = poolAt + FRAME_HEADER_BYTES
      refused = false
      if (at > POOL_BYTES) {
        refused = true
        at = POOL_BYTES + 1
      } else if (kind === VALUE) {
        write(value, 1)
      } else if (kind === REQUEST) {
        // [1, id, service, method, args, timeoutMs, wall, logical]
        if (room(2)) {
          out[at++] = 0x98
          out[at++] = 1
        }
        writeNumber(id as number)
        writeString(service as string)
        writeString(method as string)
        write(value, 2)
        writeNumber(timeoutMs as number)
        writeNumber(wall)
        writeNumber(logical)
      } else {
        // [2, id, result, wall, logical]
        if (room(2)) {
          out[at++] = 0x95
          out[at++] = 2
        }
        writeNumber(id as number)
        write(value, 2)
        writeNumber(wall)
        writeNumber(logical)
      }
      if (!refused) {
        // the body's length header (framing.ts) goes in the slot before it, so a run of bodies is a ready chunk
        const start = poolAt + FRAME_HEADER_BYTES
        const len = at - start
        pool[poolAt] = len >>> 24
        pool[poolAt + 1] = (len >>> 16) & 0xff
        pool[poolAt + 2] = (len >>> 8) & 0xff
        pool[poolAt + 3] = len & 0xff
        const body = pool.subarray(start, at)
        poolAt = at
        return body
      }
      // the rest of this pool may just be too small: one more try in a fresh pool when this one is partly used
      if (at <= POOL_BYTES || poolAt === 0) return undefined
      pool = new Uint8Array(POOL_BYTES)
      poolView = new DataView(pool.buffer)
      poolAt = 0
    }
    return undefined
  } finally {
    busy = false
  }
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

/** Whether `n` more bytes fit; if not, the encoding is refused (and retried in a fresh pool). */
function room (n: number): boolean {
  if (at + n <= POOL_BYTES) return true
  refused = true
  at = POOL_BYTES + 1
  return false
}

/** Whether an object is one that the codec writes as a map: its constructor is Object, or it has no prototype. */
function plainObject (v: object): boolean {
  const proto = Object.getPrototypeOf(v)
  const ctor = (v as { constructor?: unknown }).constructor
  return (proto === Object.prototype && ctor === Object) || (proto === null && ctor === undefined)
}

function writeString (v: string): void {
  const n = v.length
  if (n > MAX_SIMPLE_STRING || !room(2 + n)) {
    refused = true
    return
  }
  const o = out
  let p = at
  if (n < 0x20) {
    o[p++] = 0xa0 | n
  } else {
    o[p++] = 0xd9
    o[p++] = n
  }
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i)
    if (c > 0x7f) {
      refused = true
      return
    }
    o[p++] = c
  }
  at = p
}

function writeNumber (v: number): void {
  if (!room(9)) return
  const o = out
  if (v >>> 0 === v) {
    if (v < 0x80) {
      o[at++] = v
    } else if (v < 0x100) {
      o[at++] = 0xcc
      o[at++] = v
    } else if (v < 0x10000) {
      o[at++] = 0xcd
      o[at++] = v >> 8
      o[at++] = v & 0xff
    } else {
      o[at++] = 0xce
      o[at++] = v >>> 24
      o[at++] = (v >> 16) & 0xff
      o[at++] = (v >> 8) & 0xff
      o[at++] = v & 0xff
    }
  } else if (v >> 0 === v) {
    if (v >= -0x20) {
      o[at++] = 0x100 + v
    } else if (v >= -0x80) {
      o[at++] = 0xd0
      o[at++] = v + 0x100
    } else if (v >= -0x8000) {
      o[at++] = 0xd1
      o[at++] = (v >> 8) & 0xff
      o[at++] = v & 0xff
    } else {
      o[at++] = 0xd2
      o[at++] = (v >> 24) & 0xff
      o[at++] = (v >> 16) & 0xff
      o[at++] = (v >> 8) & 0xff
      o[at++] = v & 0xff
    }
  } else {
    o[at++] = 0xcb
    poolView.setFloat64(at, v)
    at += 8
  }
}

/** Writes a value as the codec would, or sets `refused` when it is not simple. */
function write (v: unknown, depth: number): void {
  if (refused) return
  switch (typeof v) {
    case 'string': writeString(v); return
    case 'number': writeNumber(v); return
    case 'boolean':
      if (room(1)) out[at++] = v ? 0xc3 : 0xc2
      return
    case 'undefined':
      // msgpackr's undefined: fixext 1 of type 0 with data 0
      if (room(3)) {
        out[at++] = 0xd4
        out[at++] = 0
        out[at++] = 0
      }
      return
    case 'object': {
      if (v === null) {
        if (room(1)) out[at++] = 0xc0
        return
      }
      if (depth > MAX_SIMPLE_DEPTH) {
        refused = true
        return
      }
      if (Array.isArray(v)) {
        const n = v.length
        if (n >= 0x10000 || !room(3)) {
          refused = true
          return
        }
        if (n < 0x10) {
          out[at++] = 0x90 | n
        } else {
          out[at++] = 0xdc
          out[at++] = n >> 8
          out[at++] = n & 0xff
        }
        for (let i = 0; i < n && !refused; i++) write(v[i], depth + 1)
        return
      }
      if (!plainObject(v) || !room(3)) {
        refused = true
        return
      }
      // the codec always writes a plain object as map 16
      out[at++] = 0xde
      const sizeAt = at
      at += 2
      let n = 0
      for (const key in v) {
        if (!Object.hasOwn(v, key)) continue
        writeString(key)
        write((v as Record<string, unknown>)[key], depth + 1)
        if (refused) return
        n++
      }
      if (n >= 0x10000) {
        refused = true
        return
      }
      out[sizeAt] = n >> 8
      out[sizeAt + 1] = n & 0xff
      return
    }
    default:
      refused = true
  }
}
