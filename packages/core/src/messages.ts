/**
 * Frame bodies: each is a MessagePack array whose first element is the frame type (docs/protocol.md).
 */

export const FrameType = {
  /** [1, id, service, method, args, timeoutMs, hlcWall, hlcLogical, meta?] */
  REQUEST: 1,
  /** [2, id, result, hlcWall, hlcLogical] */
  RESPONSE: 2,
  /** [3, id, code, message, name, data, mayHaveExecuted, hlcWall, hlcLogical]; id 0 = about the whole stream */
  ERROR: 3,
  /** [4, id]: the caller gave up on call id */
  CANCEL: 4,
  /** [5, nonce] */
  PING: 5,
  /** [6, nonce] */
  PONG: 6,
  /** [7, reason]: the sender takes no new calls on this stream; calls already sent are still answered */
  GOAWAY: 7
} as const

/** Optional request fields, sent only when set. */
export interface RequestMeta {
  /** Idempotency key shared by the retries and hedges of one logical call. */
  callId?: string
  /** Calls with `ordered` and the same key from one caller run in send order. */
  ordered?: boolean
  key?: string
}

/** Largest request id; ids wrap to 1 after it. */
export const MAX_REQUEST_ID = 0xffffffff

export function isRequestId (v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= MAX_REQUEST_ID
}
