/**
 * The frames of protocol `/peercall/rpc/2.0.0`, as a typed union, and the pure functions that turn them into
 * frame bodies and back (docs/protocol.md). A body is a MessagePack array whose first element is the frame type;
 * the 4-byte length prefix around it is framing.ts's.
 *
 * Decoding separates three outcomes: a valid frame; a request whose id can be read but whose other fields are
 * wrong (`InvalidRequest`: answered with an error for that call alone); and bytes that are not a frame at all
 * (a thrown PROTOCOL RpcError: the stream is reset).
 */
import { codec, decodeView, exceedsDepth } from '../codec.js'
import { RpcError, isRpcErrorCode } from '../errors.js'
import { metadataProblem } from './metadata.js'
import { encodeRequestSimple, encodeResponseSimple, encodeSimple } from './simple-pack.js'
import { MAX_SIMPLE_DEPTH, decodeCallFrame } from './simple-unpack.js'
import type { RpcErrorCode } from '../errors.js'
import type { HlcTimestamp } from '../hlc.js'
import type { Metadata } from './metadata.js'

export const FrameType = {
  /** [1, id, service, method, args, timeoutMs, hlcWall, hlcLogical, opts?, meta?] */
  REQUEST: 1,
  /** [2, id, result, hlcWall, hlcLogical, trailers?] */
  RESPONSE: 2,
  /** [3, id, code, message, name, data, mayHaveExecuted, hlcWall, hlcLogical, retryable, trailers?]; id 0 = about the whole stream */
  ERROR: 3,
  /** [4, id]: the caller gave up on call id */
  CANCEL: 4,
  /** [5, nonce] */
  PING: 5,
  /** [6, nonce] */
  PONG: 6,
  /** [7, reason]: the sender takes no new calls on this stream; calls already sent are still answered */
  GOAWAY: 7,
  /** [8, id, value]: one item of a streamed answer (server to caller); the RESPONSE or ERROR that follows ends it */
  ITEM: 8,
  /** [9, id, n]: the caller may take n more items of call id (server-streaming credit) */
  ITEM_CREDIT: 9,
  /** [10, id, value]: one item of a call's input (caller to server) */
  INPUT: 10,
  /** [11, id]: the caller's input of call id has ended */
  INPUT_END: 11,
  /** [12, id, n]: the server may take n more input items of call id (client-streaming credit) */
  INPUT_CREDIT: 12
} as const

/** Largest request id; ids wrap to 1 after it. */
export const MAX_REQUEST_ID = 0xffffffff

/** Largest `timeoutMs` on the wire: 2^53 - 1 ms, beyond any real deadline; 0 means none. */
export const MAX_WIRE_TIMEOUT_MS = Number.MAX_SAFE_INTEGER

export function isRequestId (v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= MAX_REQUEST_ID
}

/** Optional request fields, sent only when set. */
export interface RequestOptions {
  /** Idempotency key shared by the retries and hedges of one logical call. */
  callId?: string
  /** Calls with `ordered` and the same key from one caller run in send order. */
  ordered?: boolean
  key?: string
  /** The caller reads the answer as a stream of ITEMs and grants this many at first (the item window). */
  stream?: number
  /** The caller sends input items (INPUT, INPUT_END); the server grants credit for them, this many at first. */
  input?: number
}

export interface RequestFrame {
  type: typeof FrameType.REQUEST
  id: number
  service: string
  method: string
  args: unknown[]
  /** Relative deadline, ms; 0: none. */
  timeoutMs: number
  /** The sender's clock at send time (a frame is its own HlcTimestamp: no object per frame for it). */
  wall: number
  logical: number
  opts: RequestOptions | undefined
  meta: Metadata | undefined
}

export interface ResponseFrame {
  type: typeof FrameType.RESPONSE
  id: number
  result: unknown
  /** The sender's clock at send time. */
  wall: number
  logical: number
  trailers: Metadata | undefined
}

export interface ErrorFrame {
  type: typeof FrameType.ERROR
  /** 0: about the whole stream (the sender found this side's frames malformed and resets the stream). */
  id: number
  code: RpcErrorCode
  message: string
  /** The thrown error's name for REMOTE errors, else 'RpcError'. */
  name: string
  data: unknown
  mayHaveExecuted: boolean
  retryable: boolean
  /** The sender's clock at send time. */
  wall: number
  logical: number
  trailers: Metadata | undefined
}

export interface CancelFrame { type: typeof FrameType.CANCEL, id: number }
export interface PingFrame { type: typeof FrameType.PING, nonce: number }
export interface PongFrame { type: typeof FrameType.PONG, nonce: number }
export interface GoAwayFrame { type: typeof FrameType.GOAWAY, reason: string }
export interface ItemFrame { type: typeof FrameType.ITEM | typeof FrameType.INPUT, id: number, value: unknown }
export interface CreditFrame { type: typeof FrameType.ITEM_CREDIT | typeof FrameType.INPUT_CREDIT, id: number, n: number }
export interface InputEndFrame { type: typeof FrameType.INPUT_END, id: number }

/** Largest item window or credit grant (items). */
export const MAX_CREDIT = 1 << 20

export type Frame = RequestFrame | ResponseFrame | ErrorFrame | CancelFrame | PingFrame | PongFrame | GoAwayFrame | ItemFrame | CreditFrame | InputEndFrame

/** A request whose id is readable but whose other fields are not valid: answered INVALID_ARGUMENT, alone. */
export interface InvalidRequest { type: 'invalid-request', id: number, reason: string }
/** A frame of a type this version does not know: ignored, so that later versions may add frames. */
export interface UnknownFrame { type: 'unknown', code: unknown }

export type Decoded = Frame | InvalidRequest | UnknownFrame

export interface DecodeLimits {
  /** Deepest nesting accepted. */
  maxDepth: number
}

/** The MessagePack of a frame's array: by the fast path for simple values, else by the codec. */
function pack (frame: unknown[]): Uint8Array {
  return encodeSimple(frame) ?? codec.encode(frame)
}

/** A REQUEST body from its fields (the hot path: no frame object is built). */
export function encodeRequest (id: number, service: string, method: string, args: unknown[], timeoutMs: number, ts: HlcTimestamp, opts: RequestOptions | undefined, meta: Metadata | undefined): Uint8Array {
  if (opts === undefined && meta === undefined) {
    return encodeRequestSimple(id, service, method, args, timeoutMs, ts.wall, ts.logical) ??
      codec.encode([FrameType.REQUEST, id, service, method, args, timeoutMs, ts.wall, ts.logical])
  }
  return pack(meta !== undefined
    ? [FrameType.REQUEST, id, service, method, args, timeoutMs, ts.wall, ts.logical, opts ?? null, meta]
    : opts !== undefined
      ? [FrameType.REQUEST, id, service, method, args, timeoutMs, ts.wall, ts.logical, opts]
      : [FrameType.REQUEST, id, service, method, args, timeoutMs, ts.wall, ts.logical])
}

/** A RESPONSE body from its fields (the hot path: no frame object is built). */
export function encodeResponse (id: number, result: unknown, ts: HlcTimestamp, trailers: Metadata | undefined): Uint8Array {
  if (trailers === undefined) {
    return encodeResponseSimple(id, result, ts.wall, ts.logical) ?? codec.encode([FrameType.RESPONSE, id, result, ts.wall, ts.logical])
  }
  return pack(trailers !== undefined
    ? [FrameType.RESPONSE, id, result, ts.wall, ts.logical, trailers]
    : [FrameType.RESPONSE, id, result, ts.wall, ts.logical])
}

/** One frame body. Throws when a value cannot be encoded. */
export function encodeFrame (f: Frame): Uint8Array {
  switch (f.type) {
    case FrameType.REQUEST: return encodeRequest(f.id, f.service, f.method, f.args, f.timeoutMs, f, f.opts, f.meta)
    case FrameType.RESPONSE: return encodeResponse(f.id, f.result, f, f.trailers)
    case FrameType.ERROR:
      return pack(f.trailers !== undefined
        ? [f.type, f.id, f.code, f.message, f.name, f.data, f.mayHaveExecuted, f.wall, f.logical, f.retryable, f.trailers]
        : [f.type, f.id, f.code, f.message, f.name, f.data, f.mayHaveExecuted, f.wall, f.logical, f.retryable])
    case FrameType.CANCEL: return pack([f.type, f.id])
    case FrameType.PING: return pack([f.type, f.nonce])
    case FrameType.PONG: return pack([f.type, f.nonce])
    case FrameType.GOAWAY: return pack([f.type, f.reason])
    case FrameType.ITEM:
    case FrameType.INPUT: return pack([f.type, f.id, f.value])
    case FrameType.ITEM_CREDIT:
    case FrameType.INPUT_CREDIT: return pack([f.type, f.id, f.n])
    case FrameType.INPUT_END: return pack([f.type, f.id])
  }
}

/**
 * Decodes one frame body. Throws a PROTOCOL RpcError for bytes that are not a frame: undecodable, not an array
 * starting with a type, nested too deep outside an answerable request, or a known frame without a valid id.
 */
export function decodeFrame (body: Uint8Array, limits: DecodeLimits): Decoded {
  // most calls: a request or an answer of simple values, read from the bytes without the codec
  if (limits.maxDepth >= MAX_SIMPLE_DEPTH) {
    const fast = decodeCallFrame(body)
    if (fast !== undefined) return fast
  }
  let raw: unknown
  try {
    raw = decodeView(body)
  } catch (err) {
    throw notAFrame(`undecodable frame: ${(err as Error).message}`)
  }
  if (!Array.isArray(raw) || typeof raw[0] !== 'number') throw notAFrame('frame is not an array starting with its type')
  const f = raw as unknown[]
  const deep = body.byteLength > limits.maxDepth && exceedsDepth(f, limits.maxDepth)
  if (deep) {
    if (f[0] === FrameType.REQUEST && isRequestId(f[1])) return { type: 'invalid-request', id: f[1], reason: `request nests deeper than ${limits.maxDepth} levels` }
    throw notAFrame(`frame nests deeper than ${limits.maxDepth} levels`)
  }
  switch (f[0]) {
    case FrameType.REQUEST: return decodeRequest(f)
    case FrameType.RESPONSE:
      if (!isRequestId(f[1])) throw notAFrame('malformed response frame')
      return { type: FrameType.RESPONSE, id: f[1], result: f[2], wall: wallOf(f[3], f[4]), logical: logicalOf(f[3], f[4]), trailers: metadataOrUndefined(f[5]) }
    case FrameType.ERROR: return decodeError(f)
    case FrameType.CANCEL:
      if (!isRequestId(f[1])) throw notAFrame('malformed cancel frame')
      return { type: FrameType.CANCEL, id: f[1] }
    case FrameType.PING:
    case FrameType.PONG:
      if (typeof f[1] !== 'number') throw notAFrame('malformed ping frame')
      return { type: f[0], nonce: f[1] }
    case FrameType.GOAWAY:
      return { type: FrameType.GOAWAY, reason: typeof f[1] === 'string' ? f[1] : '' }
    case FrameType.ITEM:
    case FrameType.INPUT:
      if (!isRequestId(f[1])) throw notAFrame('malformed item frame')
      return { type: f[0], id: f[1], value: f[2] }
    case FrameType.ITEM_CREDIT:
    case FrameType.INPUT_CREDIT:
      if (!isRequestId(f[1]) || !Number.isInteger(f[2]) || (f[2] as number) < 1 || (f[2] as number) > MAX_CREDIT) throw notAFrame('malformed credit frame')
      return { type: f[0], id: f[1], n: f[2] as number }
    case FrameType.INPUT_END:
      if (!isRequestId(f[1])) throw notAFrame('malformed input end frame')
      return { type: FrameType.INPUT_END, id: f[1] }
    default:
      return { type: 'unknown', code: f[0] }
  }
}

function decodeRequest (f: unknown[]): RequestFrame | InvalidRequest {
  const [, id, service, method, args, timeoutMs, wall, logical, opts, meta] = f
  if (!isRequestId(id)) throw notAFrame('malformed request frame: no valid request id')
  const reason = requestProblem(service, method, args, timeoutMs, opts, meta)
  if (reason !== undefined) return { type: 'invalid-request', id, reason }
  return {
    type: FrameType.REQUEST,
    id,
    service: service as string,
    method: method as string,
    args: args as unknown[],
    timeoutMs: timeoutMs as number,
    wall: wallOf(wall, logical),
    logical: logicalOf(wall, logical),
    opts: opts === undefined || opts === null ? undefined : opts as RequestOptions,
    meta: meta === undefined || meta === null ? undefined : meta as Metadata
  }
}

/** Why the fields of a request are not valid, or undefined. */
function requestProblem (service: unknown, method: unknown, args: unknown, timeoutMs: unknown, opts: unknown, meta: unknown): string | undefined {
  if (typeof service !== 'string' || service.length === 0) return 'service must be a non-empty string'
  if (typeof method !== 'string' || method.length === 0) return 'method must be a non-empty string'
  if (!Array.isArray(args)) return 'args must be an array'
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0) || timeoutMs > MAX_WIRE_TIMEOUT_MS) return 'timeoutMs must be a non-negative number of ms'
  if (opts !== undefined && opts !== null) {
    if (typeof opts !== 'object' || Array.isArray(opts)) return 'request options must be an object'
    const o = opts as Record<string, unknown>
    if (o.callId !== undefined && typeof o.callId !== 'string') return 'callId must be a string'
    if (o.key !== undefined && typeof o.key !== 'string') return 'key must be a string'
    if (o.ordered !== undefined && typeof o.ordered !== 'boolean') return 'ordered must be a boolean'
    for (const w of ['stream', 'input'] as const) {
      const v = o[w]
      if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_CREDIT)) return `${w} window must be an integer from 1 to ${MAX_CREDIT}`
    }
  }
  if (meta !== undefined && meta !== null) return metadataProblem(meta)
  return undefined
}

function decodeError (f: unknown[]): ErrorFrame {
  const [, id, code, message, name, data, executed, wall, logical, retryable, trailers] = f
  if (id !== 0 && !isRequestId(id)) throw notAFrame('malformed error frame')
  const known = isRpcErrorCode(code)
  return {
    type: FrameType.ERROR,
    id,
    code: known ? code : 'INTERNAL',
    message: typeof message === 'string' ? message : 'call failed',
    name: typeof name === 'string' ? name : 'RpcError',
    data,
    mayHaveExecuted: typeof executed === 'boolean' ? executed : true,
    // an unknown code is not retried: the sender may mean something this version cannot tell
    retryable: known && typeof retryable === 'boolean' ? retryable : false,
    wall: wallOf(wall, logical),
    logical: logicalOf(wall, logical),
    trailers: metadataOrUndefined(trailers)
  }
}

/** A remote timestamp's wall time; one that is not two numbers reads as 0.0, which the clock's receive ignores. */
function wallOf (wall: unknown, logical: unknown): number {
  return typeof wall === 'number' && typeof logical === 'number' ? wall : 0
}

function logicalOf (wall: unknown, logical: unknown): number {
  return typeof wall === 'number' && typeof logical === 'number' ? logical : 0
}

/** Trailers as received: kept when valid metadata, dropped otherwise (an answer is not lost for a bad trailer). */
function metadataOrUndefined (v: unknown): Metadata | undefined {
  if (v === undefined || v === null) return undefined
  return metadataProblem(v) === undefined ? v as Metadata : undefined
}

function notAFrame (reason: string): RpcError {
  return new RpcError('PROTOCOL', reason, { retryable: false })
}
