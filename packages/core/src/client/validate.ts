/**
 * Validation of a call at the caller: a call that could not be served is refused here with INVALID_ARGUMENT and
 * nothing is sent, so a mistake in one call never reaches (or disturbs) a connection shared with other calls.
 */
import { RpcError } from '../errors.js'
import { metadataProblem } from '../wire/metadata.js'

/** The strategies a call may name (`CallOptions.balance`). */
export const BALANCES: ReadonlySet<string> = new Set(['p2c', 'hash', 'round-robin', 'local-first'])

/** What `call()` checks of its options (the CallOptions fields that could break a call). */
export interface CheckedOptions {
  peer?: unknown
  timeoutMs?: unknown
  attemptTimeoutMs?: unknown
  hedgeAfterMs?: unknown
  retries?: unknown
  signal?: unknown
  balance?: unknown
  key?: unknown
  callId?: unknown
  meta?: unknown
  onTrailers?: unknown
  idempotent?: unknown
  ordered?: unknown
  input?: unknown
}

/** Why this call cannot be made, or undefined when it can. */
export function callProblem (service: unknown, method: unknown, args: unknown, options: unknown): string | undefined {
  if (typeof service !== 'string' || service.length === 0) return 'service must be a non-empty string'
  if (typeof method !== 'string' || method.length === 0) return 'method must be a non-empty string'
  if (!Array.isArray(args)) return 'args must be an array'
  if (options === null || typeof options !== 'object') return 'options must be an object'
  const o = options as CheckedOptions
  if (o.timeoutMs !== undefined && !isBudget(o.timeoutMs)) return 'timeoutMs must be a non-negative number of ms (0 or Infinity: no deadline)'
  if (o.attemptTimeoutMs !== undefined && !(isBudget(o.attemptTimeoutMs) && (o.attemptTimeoutMs as number) > 0)) return 'attemptTimeoutMs must be a positive number of ms'
  if (o.hedgeAfterMs !== undefined && !(typeof o.hedgeAfterMs === 'number' && o.hedgeAfterMs >= 0 && Number.isFinite(o.hedgeAfterMs))) return 'hedgeAfterMs must be a non-negative finite number of ms'
  if (o.retries !== undefined && !(Number.isInteger(o.retries) && (o.retries as number) >= 0)) return 'retries must be a non-negative integer'
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) return 'signal must be an AbortSignal'
  if (o.balance !== undefined && !BALANCES.has(o.balance as string)) return `balance must be one of ${[...BALANCES].join(', ')}, not ${JSON.stringify(o.balance)}`
  if (o.key !== undefined && typeof o.key !== 'string') return 'key must be a string'
  if (o.peer !== undefined && (typeof o.peer !== 'string' || o.peer.length === 0)) return 'peer must be a peer id or a multiaddr'
  if (o.callId !== undefined && (typeof o.callId !== 'string' || o.callId.length === 0)) return 'callId must be a non-empty string'
  if (o.onTrailers !== undefined && typeof o.onTrailers !== 'function') return 'onTrailers must be a function'
  if (o.idempotent !== undefined && typeof o.idempotent !== 'boolean') return 'idempotent must be a boolean'
  if (o.ordered !== undefined && typeof o.ordered !== 'boolean') return 'ordered must be a boolean'
  if (o.input !== undefined && !isIterable(o.input)) return 'input must be an AsyncIterable (or an Iterable)'
  if (o.meta !== undefined) {
    const problem = metadataProblem(o.meta)
    if (problem !== undefined) return problem
  }
  return undefined
}

function isIterable (v: unknown): boolean {
  return v !== null && typeof v === 'object' &&
    (typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' || typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function')
}

function isBudget (v: unknown): boolean {
  return typeof v === 'number' && v >= 0 // NaN fails the comparison; Infinity passes
}

/** The error for a call refused by `callProblem`. */
export function invalidCall (service: unknown, method: unknown, problem: string): RpcError {
  const s = typeof service === 'string' ? service : String(service)
  const m = typeof method === 'string' ? method : String(method)
  return new RpcError('INVALID_ARGUMENT', `${s}.${m}: ${problem}`, {
    service: typeof service === 'string' ? service : undefined,
    method: typeof method === 'string' ? method : undefined,
    mayHaveExecuted: false,
    retryable: false
  })
}
