/**
 * The one error type of peercall: an RpcError with a string code.
 */
import type { Metadata } from './wire/metadata.js'

export type RpcErrorCode =
  | 'UNAVAILABLE' | 'DEADLINE_EXCEEDED' | 'CANCELLED' | 'NOT_FOUND' | 'INVALID_ARGUMENT'
  | 'OVERLOADED' | 'PERMISSION_DENIED' | 'PROTOCOL' | 'INTERNAL' | 'REMOTE'

export const RPC_ERROR_CODES: readonly RpcErrorCode[] = [
  'UNAVAILABLE', 'DEADLINE_EXCEEDED', 'CANCELLED', 'NOT_FOUND', 'INVALID_ARGUMENT',
  'OVERLOADED', 'PERMISSION_DENIED', 'PROTOCOL', 'INTERNAL', 'REMOTE'
]

/**
 * Whether a failure with this code may succeed if the same call is tried again, on this peer later or on
 * another peer. Only idempotent calls are ever retried.
 */
const RETRYABLE: Record<RpcErrorCode, boolean> = {
  UNAVAILABLE: true,
  DEADLINE_EXCEEDED: true,
  OVERLOADED: true,
  PROTOCOL: true,
  CANCELLED: false,
  NOT_FOUND: false,
  INVALID_ARGUMENT: false,
  PERMISSION_DENIED: false,
  INTERNAL: false,
  REMOTE: false
}

export interface RpcErrorOptions {
  /** Peer id the error came from (the remote that answered, or the peer that could not be reached). */
  peer?: string
  service?: string
  method?: string
  /** Overrides the code's default. */
  retryable?: boolean
  /** Whether the request may have run on the remote peer. */
  mayHaveExecuted?: boolean
  /** For REMOTE: the `name` of the error the handler threw (e.g. 'RangeError'). */
  remoteName?: string
  /** For REMOTE: serialisable data the handler attached to its error (`error.data`, or its own properties). */
  data?: unknown
  /** Trailers the handler set before it failed. */
  trailers?: Metadata
  cause?: unknown
}

export class RpcError extends Error {
  readonly code: RpcErrorCode
  readonly peer: string | undefined
  readonly service: string | undefined
  readonly method: string | undefined
  readonly retryable: boolean
  readonly mayHaveExecuted: boolean
  readonly remoteName: string | undefined
  readonly data: unknown
  /** Trailers the remote handler set before it failed (also given to the caller's `onTrailers`). */
  readonly trailers: Metadata | undefined

  constructor (code: RpcErrorCode, message: string, options: RpcErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.peer = options.peer
    this.service = options.service
    this.method = options.method
    this.retryable = options.retryable ?? RETRYABLE[code]
    this.mayHaveExecuted = options.mayHaveExecuted ?? (code === 'REMOTE' || code === 'INTERNAL')
    this.remoteName = options.remoteName
    this.data = options.data
    this.trailers = options.trailers
    // A REMOTE error keeps the remote error's name, so `err.name === 'RangeError'` reads as it did locally.
    this.name = code === 'REMOTE' && options.remoteName !== undefined ? options.remoteName : 'RpcError'
  }

  /** A copy with other routing facts, e.g. `mayHaveExecuted` once a frame is known to have been sent. */
  with (options: RpcErrorOptions): RpcError {
    return new RpcError(this.code, this.message, {
      peer: this.peer,
      service: this.service,
      method: this.method,
      retryable: this.retryable,
      mayHaveExecuted: this.mayHaveExecuted,
      remoteName: this.remoteName,
      data: this.data,
      trailers: this.trailers,
      cause: this.cause,
      ...options
    })
  }

  toJSON (): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      peer: this.peer,
      service: this.service,
      method: this.method,
      retryable: this.retryable,
      mayHaveExecuted: this.mayHaveExecuted,
      remoteName: this.remoteName,
      data: this.data
    }
  }
}

export function isRpcErrorCode (value: unknown): value is RpcErrorCode {
  return typeof value === 'string' && (RPC_ERROR_CODES as readonly string[]).includes(value)
}

/** Extracts what a handler's exception sends over the wire: name, message and serialisable data. */
export function describeThrown (err: unknown): { name: string, message: string, data: unknown } {
  if (err instanceof Error) {
    const own: Record<string, unknown> = {}
    let hasOwn = false
    for (const key of Object.keys(err)) {
      if (key === 'stack' || key === 'message' || key === 'name' || key === 'cause') continue
      own[key] = (err as unknown as Record<string, unknown>)[key]
      hasOwn = true
    }
    const data = 'data' in err ? (err as { data: unknown }).data : (hasOwn ? own : undefined)
    return { name: err.name, message: err.message, data }
  }
  return { name: 'Error', message: String(err), data: undefined }
}
