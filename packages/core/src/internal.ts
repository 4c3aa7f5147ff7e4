/**
 * @packageDocumentation
 *
 * Internals of @peercall/core for its own tests and the benchmarks (`@peercall/core/internal`): the wire format,
 * the session, the server's parts. Not part of the public API: names here change without notice.
 */
export { codec, exceedsDepth, MAP_EXTENSION_TYPE } from './codec.js'
export type { Codec } from './codec.js'
export { encodeFrames, FrameDecoder, FRAME_HEADER_BYTES } from './wire/framing.js'
export type { FrameDecoderOptions } from './wire/framing.js'
export { FrameType, encodeFrame, decodeFrame, isRequestId, MAX_REQUEST_ID, MAX_WIRE_TIMEOUT_MS } from './wire/frames.js'
export type { Frame, Decoded, RequestFrame, ResponseFrame, ErrorFrame, RequestOptions } from './wire/frames.js'
export { metadataProblem } from './wire/metadata.js'
export { FrameWriter, WriteBudget } from '@peercall/membership'
export { Session } from './wire/session.js'
export type { ByteStream, SessionOptions, RequestOptionsOut, Dispatch } from './wire/session.js'
export { SessionPool } from './wire/pool.js'
export { Registry, callableMethods } from './server/registry.js'
export type { ServiceEntry } from './server/registry.js'
export { ServerCall } from './server/context.js'
export { ServerPipeline } from './server/pipeline.js'
export { DedupCache, DEDUP_CAPACITY, DEDUP_TTL_MS } from './server/dedup.js'
export { DEFAULT_RETRIES, TRANSPARENT_RETRIES, mayRetry, failureKind, routedCall } from './client/router.js'
export { callProblem } from './client/validate.js'
export { compose, InterceptorChain } from './interceptors.js'
export { setDeadlineTimer, MAX_TIMER_DELAY_MS } from './timers.js'
export { HEALTH_INTERVAL_MS } from './node.js'
export { createMetrics } from './metrics.js'
export { startHttp } from './dashboard/server.js'
export type { HttpHandle } from './dashboard/server.js'
