/**
 * A call served by this peer itself: the same server pipeline, context, deadline, cancellation, trailers and
 * error semantics as a call that crossed the wire, without encoding it.
 */
import { RpcError, describeThrown } from '../errors.js'
import { ServerCall, deadlineError } from '../server/context.js'
import { setDeadlineTimer } from '../timers.js'
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
}

export async function callLocal (dispatch: Dispatch, clock: HybridClock, self: string, c: LocalCall): Promise<unknown> {
  const { service, method } = c
  const call = new ServerCall(self, service, method, c.timeoutMs !== undefined ? Date.now() + c.timeoutMs : undefined, clock.tick(), c.opts, c.meta)
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
    if (err instanceof RpcError) {
      const e = err.peer === undefined ? err.with({ peer: self }) : err
      return await Promise.reject(call.trailers !== undefined && e.trailers === undefined ? e.with({ trailers: call.trailers }) : e)
    }
    const d = describeThrown(err)
    throw new RpcError('REMOTE', d.message, { peer: self, service, method, remoteName: d.name, data: d.data, mayHaveExecuted: true, trailers: call.trailers, cause: err })
  } finally {
    call.settled = true
    call.finish()
    timer?.cancel()
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
