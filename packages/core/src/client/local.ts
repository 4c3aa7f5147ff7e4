/**
 * A call served by this peer itself: the same server pipeline, context, deadline, cancellation, trailers and
 * error semantics as a call that crossed the wire, without encoding it.
 */
import { RpcError, describeThrown } from '../errors.js'
import { ServerCall, deadlineError, runInContext } from '../server/context.js'
import { clearDeadlineTimer, setDeadlineTimer } from '../timers.js'
import type { HybridClock } from '../hlc.js'
import type { Dispatch } from '../wire/session.js'
import type { DeadlineTimer } from '../timers.js'
import type { RequestOptions } from '../wire/frames.js'
import type { Metadata } from '../wire/metadata.js'

export interface LocalCall {
  service: string
  method: string
  args: unknown[]
  /** Relative deadline, ms; undefined: none. */
  timeoutMs: number | undefined
  signal: AbortSignal | undefined
  opts: RequestOptions | undefined
  meta: Metadata | undefined
  onTrailers: ((trailers: Metadata) => void) | undefined
  input?: AsyncIterable<unknown>
  /** Told when the call fails, before its promise rejects. */
  onFail?: () => void
}

export async function callLocal (dispatch: Dispatch, clock: HybridClock, self: string, c: LocalCall): Promise<unknown> {
  const { service, method } = c
  const call = new ServerCall(self, service, method, c.timeoutMs !== undefined ? Date.now() + c.timeoutMs : undefined, clock.tick(), c.opts, c.meta)
  call.input = c.input
  let timer: DeadlineTimer | undefined
  let onAbort: (() => void) | undefined
  const stopped = new Promise<never>((_resolve, reject) => {
    if (c.timeoutMs !== undefined) {
      timer = setDeadlineTimer(() => {
        const err = deadlineError({ service, method, peer: self })
        call.abort(err)
        reject(err)
      }, c.timeoutMs)
    }
    const signal = c.signal
    if (signal !== undefined) {
      onAbort = () => {
        const err = new RpcError('CANCELLED', `${service}.${method}: cancelled`, { service, method, peer: self, mayHaveExecuted: true, cause: signal.reason })
        call.abort(err)
        reject(err)
      }
      if (signal.aborted) onAbort()
      else signal.addEventListener('abort', onAbort, { once: true })
    }
  })
  try {
    const value = await Promise.race([Promise.resolve().then(() => dispatch(call, c.args)), stopped])
    tell(c, call)
    return value
  } catch (err) {
    tell(c, call)
    c.onFail?.()
    if (err instanceof RpcError) {
      const e = err.peer === undefined ? err.with({ peer: self }) : err
      return await Promise.reject(call.trailers !== undefined && e.trailers === undefined ? e.with({ trailers: call.trailers }) : e)
    }
    const d = describeThrown(err)
    throw new RpcError('REMOTE', d.message, { peer: self, service, method, remoteName: d.name, data: d.data, mayHaveExecuted: true, trailers: call.trailers, cause: err })
  } finally {
    call.settled = true
    call.finish()
    clearDeadlineTimer(timer)
    if (onAbort !== undefined) c.signal?.removeEventListener('abort', onAbort)
  }
}

function tell (c: LocalCall, call: ServerCall): void {
  const trailers = call.trailers
  if (trailers === undefined || c.onTrailers === undefined) return
  try {
    c.onTrailers(Object.freeze({ ...trailers }))
  } catch {
    // a throwing onTrailers does not change the call's outcome
  }
}

/**
 * A streamed answer served by this peer itself: the handler's own async iterator, advanced in the call's context,
 * under the call's deadline and signal (either ends it: the generator's `finally` runs).
 */
export async function * localStream (dispatch: Dispatch, clock: HybridClock, self: string, c: LocalCall): AsyncGenerator<unknown> {
  const { service, method } = c
  const call = new ServerCall(self, service, method, c.timeoutMs !== undefined ? Date.now() + c.timeoutMs : undefined, clock.tick(), { ...c.opts, stream: 1 }, c.meta)
  call.input = c.input
  let stop: RpcError | undefined
  let wake: (() => void) | undefined
  const end = (err: RpcError): void => {
    stop ??= err
    call.abort(err)
    wake?.()
  }
  const timer = c.timeoutMs !== undefined ? setDeadlineTimer(() => { end(deadlineError({ service, method, peer: self })) }, c.timeoutMs) : undefined
  const onAbort = (): void => { end(new RpcError('CANCELLED', `${service}.${method}: cancelled`, { service, method, peer: self, mayHaveExecuted: true, cause: c.signal?.reason })) }
  if (c.signal?.aborted === true) onAbort()
  else c.signal?.addEventListener('abort', onAbort, { once: true })
  let iterator: AsyncIterator<unknown> | undefined
  try {
    const out = await Promise.resolve(dispatch(call, c.args))
    if (out === null || typeof out !== 'object' || typeof (out as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') {
      throw new RpcError('INVALID_ARGUMENT', `${service}.${method} does not stream its answer: call it with node.call()`, { service, method, peer: self, mayHaveExecuted: true })
    }
    iterator = (out as AsyncIterable<unknown>)[Symbol.asyncIterator]()
    while (true) {
      if (stop !== undefined) throw stop
      const step = runInContext(call, iterator.next, iterator, []) as Promise<IteratorResult<unknown>>
      const stopped = new Promise<'stopped'>(resolve => { wake = () => { resolve('stopped') } })
      const r = await Promise.race([step, stopped])
      wake = undefined
      if (r === 'stopped') throw (stop as unknown as RpcError)
      if (r.done === true) break
      yield r.value
    }
    tell(c, call)
  } catch (err) {
    tell(c, call)
    if (err instanceof RpcError) throw err.peer === undefined ? err.with({ peer: self }) : err
    const d = describeThrown(err)
    throw new RpcError('REMOTE', d.message, { peer: self, service, method, remoteName: d.name, data: d.data, mayHaveExecuted: true, trailers: call.trailers, cause: err })
  } finally {
    // the consumer left, the call ended or failed: close the handler's generator so its finally runs
    if (iterator?.return !== undefined) void Promise.resolve(runInContext(call, iterator.return, iterator, [undefined])).catch(() => {})
    call.settled = true
    call.finish()
    clearDeadlineTimer(timer)
    c.signal?.removeEventListener('abort', onAbort)
  }
}
