/**
 * A fast path for decoding the two frames that make up most calls, simple-pack.ts's counterpart: a REQUEST
 * without options or metadata ([1, id, service, method, args, timeoutMs, wall, logical]) and a RESPONSE without
 * trailers ([2, id, result, wall, logical]), whose values are simple: null, undefined, booleans, numbers (integers
 * up to 32 bits and float64), ASCII strings, arrays and maps with ASCII string keys of them, nested up to
 * MAX_SIMPLE_DEPTH. The frame object is built from the bytes directly (no array of fields in between, and the
 * service and method names of the last request are reused when their bytes repeat).
 *
 * It answers exactly the frame that frames.ts's decodeFrame makes from what the value codec (msgpackr, with
 * codec.ts's options) decodes; for any other body (another frame, another type, a non-ASCII string, a field that
 * decodeFrame would refuse, a truncated body or bytes after the frame) it answers undefined and the codec decodes
 * the body.
 */
import type { RequestFrame, ResponseFrame } from './frames.js'

/** Deepest nesting taken by the fast path (a frame's own array is level 1); deeper bodies go to the codec. */
export const MAX_SIMPLE_DEPTH = 8
/** Largest request id (frames.ts's MAX_REQUEST_ID). */
const MAX_ID = 0xffffffff
/** Largest timeoutMs on the wire (frames.ts's MAX_WIRE_TIMEOUT_MS). */
const MAX_TIMEOUT = Number.MAX_SAFE_INTEGER

/** What a read answers for a value the fast path does not take. */
const NOT_SIMPLE: unique symbol = Symbol('not simple')

const latin1Slice = Buffer.prototype.latin1Slice as (this: Uint8Array, start: number, end: number) => string
const fromCharCode = String.fromCharCode
/** A float64 and its bytes in the platform's order, for reading MessagePack's big-endian float64. */
const f64 = new Float64Array(1)
const f64Bytes = new Uint8Array(f64.buffer)
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

const EMPTY = new Uint8Array(0)
let src: Uint8Array = EMPTY
let pos = 0
let end = 0
/** The service and method names of the last request decoded, reused while their bytes repeat. */
let lastService = ''
let lastMethod = ''

/** The REQUEST or RESPONSE frame that `body` encodes, or undefined (then the codec decodes it). */
export function decodeCallFrame (body: Uint8Array): RequestFrame | ResponseFrame | undefined {
  const n = body.byteLength
  if (n < 6) return undefined
  const head = body[0]
  const type = body[1]
  src = body
  end = n
  pos = 2
  try {
    if (head === 0x98 && type === 1) return readRequest()
    if (head === 0x95 && type === 2) return readResponse()
    return undefined
  } finally {
    src = EMPTY // not kept: the body may be a view of a received chunk
  }
}

function readRequest (): RequestFrame | undefined {
  const id = readNumber()
  if (!validId(id)) return undefined
  const service = readName(lastService)
  if (service === NOT_SIMPLE || service.length === 0) return undefined
  lastService = service
  const method = readName(lastMethod)
  if (method === NOT_SIMPLE || method.length === 0) return undefined
  lastMethod = method
  if (pos >= end) return undefined
  const t = src[pos++]
  let args: unknown
  if (t >= 0x90 && t <= 0x9f) args = readArray(t - 0x90, 2)
  else if (t === 0xdc && pos + 2 <= end) {
    pos += 2
    args = readArray((src[pos - 2] << 8) | src[pos - 1], 2)
  } else return undefined
  if (args === NOT_SIMPLE) return undefined
  const timeoutMs = readNumber()
  if (!(timeoutMs >= 0 && timeoutMs <= MAX_TIMEOUT)) return undefined
  const wall = readNumber()
  const logical = readNumber()
  if (Number.isNaN(wall) || Number.isNaN(logical) || pos !== end) return undefined
  return { type: 1, id, service, method, args: args as unknown[], timeoutMs, wall, logical, opts: undefined, meta: undefined }
}

function readResponse (): ResponseFrame | undefined {
  const id = readNumber()
  if (!validId(id)) return undefined
  const result = read(2)
  if (result === NOT_SIMPLE) return undefined
  const wall = readNumber()
  const logical = readNumber()
  if (Number.isNaN(wall) || Number.isNaN(logical) || pos !== end) return undefined
  return { type: 2, id, result, wall, logical, trailers: undefined }
}

function validId (id: number): boolean {
  return Number.isInteger(id) && id > 0 && id <= MAX_ID
}

/** A number field; NaN when the value there is not a number the fast path reads (the codec then decodes the body). */
function readNumber (): number {
  const v = read(MAX_SIMPLE_DEPTH)
  return typeof v === 'number' ? v : NaN
}

/** A short ASCII string field, reusing `last` when its bytes are the same. */
function readName (last: string): string | typeof NOT_SIMPLE {
  if (pos >= end) return NOT_SIMPLE
  const t = src[pos]
  let n: number
  let start: number
  if (t >= 0xa0 && t <= 0xbf) {
    n = t - 0xa0
    start = pos + 1
  } else if (t === 0xd9 && pos + 1 < end) {
    n = src[pos + 1]
    start = pos + 2
  } else {
    return NOT_SIMPLE
  }
  if (n === last.length && start + n <= end) {
    let same = true
    for (let i = 0; i < n; i++) {
      if (src[start + i] !== last.charCodeAt(i)) { same = false; break }
    }
    if (same) {
      pos = start + n
      return last
    }
  }
  pos = start
  return readString(n)
}

function readArray (n: number, depth: number): unknown[] | typeof NOT_SIMPLE {
  if (n > end - pos) return NOT_SIMPLE // every item takes at least a byte
  const out = new Array<unknown>(n) // as the codec makes it
  for (let i = 0; i < n; i++) {
    const v = read(depth)
    if (v === NOT_SIMPLE) return NOT_SIMPLE
    out[i] = v
  }
  return out
}

function readMap (n: number, depth: number): Record<string, unknown> | typeof NOT_SIMPLE {
  if (2 * n > end - pos) return NOT_SIMPLE
  const out: Record<string, unknown> = {}
  for (let i = 0; i < n; i++) {
    if (pos >= end) return NOT_SIMPLE
    const t = src[pos++]
    let key: string | typeof NOT_SIMPLE
    if (t >= 0xa0 && t <= 0xbf) key = readString(t - 0xa0)
    else if (t === 0xd9 && pos < end) key = readString(src[pos++])
    else return NOT_SIMPLE
    if (key === NOT_SIMPLE || key === '__proto__') return NOT_SIMPLE // the codec has its own rule for that key
    const v = read(depth)
    if (v === NOT_SIMPLE) return NOT_SIMPLE
    out[key] = v
  }
  return out
}

/** An ASCII string of `n` bytes at `pos`. */
function readString (n: number): string | typeof NOT_SIMPLE {
  const start = pos
  const stop = start + n
  if (stop > end) return NOT_SIMPLE
  const s = src
  let or = 0
  for (let i = start; i < stop; i++) or |= s[i]
  if (or > 0x7f) return NOT_SIMPLE
  pos = stop
  // explicit arguments up to 12 characters (two calls at most: a flat string), a native slice beyond
  if (n > 12) return latin1Slice.call(s, start, stop)
  if (n > 6) return short(s, start, 6) + short(s, start + 6, n - 6)
  return short(s, start, n)
}

function short (s: Uint8Array, p: number, n: number): string {
  switch (n) {
    case 0: return ''
    case 1: return fromCharCode(s[p])
    case 2: return fromCharCode(s[p], s[p + 1])
    case 3: return fromCharCode(s[p], s[p + 1], s[p + 2])
    case 4: return fromCharCode(s[p], s[p + 1], s[p + 2], s[p + 3])
    case 5: return fromCharCode(s[p], s[p + 1], s[p + 2], s[p + 3], s[p + 4])
    default: return fromCharCode(s[p], s[p + 1], s[p + 2], s[p + 3], s[p + 4], s[p + 5])
  }
}

function read (depth: number): unknown {
  if (pos >= end) return NOT_SIMPLE
  const s = src
  const t = s[pos++]
  if (t < 0x80) return t // positive fixint
  if (t >= 0xe0) return t - 0x100 // negative fixint
  if (t >= 0xa0 && t <= 0xbf) return readString(t - 0xa0)
  if (t >= 0x90 && t <= 0x9f) return depth >= MAX_SIMPLE_DEPTH ? NOT_SIMPLE : readArray(t - 0x90, depth + 1)
  if (t <= 0x8f) return depth >= MAX_SIMPLE_DEPTH ? NOT_SIMPLE : readMap(t - 0x80, depth + 1)
  switch (t) {
    case 0xc0: return null
    case 0xc2: return false
    case 0xc3: return true
    case 0xcc:
      if (pos + 1 > end) return NOT_SIMPLE
      return s[pos++]
    case 0xcd:
      if (pos + 2 > end) return NOT_SIMPLE
      pos += 2
      return (s[pos - 2] << 8) | s[pos - 1]
    case 0xce:
      if (pos + 4 > end) return NOT_SIMPLE
      pos += 4
      return ((s[pos - 4] << 24) >>> 0) + ((s[pos - 3] << 16) | (s[pos - 2] << 8) | s[pos - 1])
    case 0xd0:
      if (pos + 1 > end) return NOT_SIMPLE
      return (s[pos++] << 24) >> 24
    case 0xd1:
      if (pos + 2 > end) return NOT_SIMPLE
      pos += 2
      return (((s[pos - 2] << 8) | s[pos - 1]) << 16) >> 16
    case 0xd2:
      if (pos + 4 > end) return NOT_SIMPLE
      pos += 4
      return (s[pos - 4] << 24) | (s[pos - 3] << 16) | (s[pos - 2] << 8) | s[pos - 1]
    case 0xcb:
      if (pos + 8 > end) return NOT_SIMPLE
      if (LITTLE_ENDIAN) {
        for (let i = 0; i < 8; i++) f64Bytes[7 - i] = s[pos + i]
      } else {
        for (let i = 0; i < 8; i++) f64Bytes[i] = s[pos + i]
      }
      pos += 8
      return f64[0]
    case 0xd4:
      // msgpackr's undefined: fixext 1 of type 0 (with the filler byte 0 that it writes)
      if (pos + 2 > end || s[pos] !== 0 || s[pos + 1] !== 0) return NOT_SIMPLE
      pos += 2
      return undefined
    case 0xd9:
      if (pos + 1 > end) return NOT_SIMPLE
      return readString(s[pos++])
    case 0xda:
      if (pos + 2 > end) return NOT_SIMPLE
      pos += 2
      return readString((s[pos - 2] << 8) | s[pos - 1])
    case 0xdc:
      if (depth >= MAX_SIMPLE_DEPTH || pos + 2 > end) return NOT_SIMPLE
      pos += 2
      return readArray((s[pos - 2] << 8) | s[pos - 1], depth + 1)
    case 0xde:
      if (depth >= MAX_SIMPLE_DEPTH || pos + 2 > end) return NOT_SIMPLE
      pos += 2
      return readMap((s[pos - 2] << 8) | s[pos - 1], depth + 1)
    default:
      return NOT_SIMPLE
  }
}
