/**
 * The wire format of the raw `node:net` RPC and the bare libp2p echo: peercall's own framing and codec
 * (u32 big-endian length + msgpackr body, from @peercall/core) and its frame shapes (docs/protocol.md), with the
 * same fields and so the same sizes, but no hybrid logical clock behind the timestamp fields.
 */
import { codec, encodeFrames, FrameDecoder, FrameType } from '@peercall/core/internal'
import { CALL_TIMEOUT_MS } from './harness/defaults.js'
import { ECHO_METHOD, ECHO_SERVICE } from './echo.js'

export { codec, encodeFrames, FrameDecoder, ECHO_METHOD, ECHO_SERVICE }

export const FRAME_REQUEST = FrameType.REQUEST
export const FRAME_RESPONSE = FrameType.RESPONSE

/** Echo.echo(payload) as peercall frames it: [1, id, service, method, args, timeoutMs, hlcWall, hlcLogical]. */
export function echoRequest (id: number, payload: string): Uint8Array {
  return codec.encode([FRAME_REQUEST, id, ECHO_SERVICE, ECHO_METHOD, [payload], CALL_TIMEOUT_MS, Date.now(), 0])
}

/** A response as peercall frames it: [2, id, result, hlcWall, hlcLogical]. */
export function response (id: number, result: unknown): Uint8Array {
  return codec.encode([FRAME_RESPONSE, id, result, Date.now(), 0])
}
