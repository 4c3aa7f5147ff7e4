/**
 * One emit's delivery to one group: pick a subscriber with the node's balancer (p2c over the group's
 * candidates), and on a failure that another subscriber could fix (unreachable, died before answering, timed out,
 * overloaded, no longer subscribed) fail over to one not yet tried, within the emit's deadline. The same delivery
 * id goes to every attempt, so a subscriber that gets it twice (a repeat on the same connection) runs it once.
 * I/O is injected (`attempt`): this is the policy alone.
 */
import { RpcError } from '../errors.js'
import { failureKind } from '../client/router.js'
import { EVENTS_SERVICE } from './names.js'
import type { Balancer, Candidate } from '@peercall/balancer'
import type { GroupSubscribers } from './directory.js'

export interface GroupDelivery {
  event: string
  group: string
  /** Absolute deadline, ms since the epoch; undefined: none. */
  deadline: number | undefined
  attemptTimeoutMs: number | undefined
  signal: AbortSignal | undefined
}

export interface DeliveryDeps {
  balancer: Balancer
  /** The group's subscribers now (read again before each attempt: the cluster may change meanwhile). */
  subscribers: () => GroupSubscribers | undefined
  /** One delivery attempt to one peer, with at most `timeoutMs`. */
  attempt: (peer: string, timeoutMs: number | undefined) => Promise<unknown>
}

/** Whether a failed attempt should go to another subscriber: any retryable failure but the caller's own cancellation. */
export function failsOver (err: RpcError): boolean {
  return err.code !== 'CANCELLED' && err.retryable
}

/** Delivers to one subscriber of the group; resolves with its peer id, or rejects with why none took it. */
export async function deliverToGroup (deps: DeliveryDeps, d: GroupDelivery): Promise<string> {
  const { balancer } = deps
  const tried = new Set<string>()
  let last: RpcError | undefined
  let mayHaveExecuted = false
  balancer.onCall()
  for (;;) {
    if (d.signal?.aborted === true) {
      throw new RpcError('CANCELLED', `event ${d.event} (group ${d.group}): cancelled`, { service: EVENTS_SERVICE, method: 'emit', mayHaveExecuted })
    }
    const subs = deps.subscribers()
    const candidates: Candidate[] = subs?.candidates ?? []
    const peer = balancer.pick(candidates, { strategy: 'p2c', exclude: tried, service: `${EVENTS_SERVICE}\u0000${d.event}\u0000${d.group}` })
    if (peer === undefined) break
    const remaining = d.deadline === undefined ? Infinity : d.deadline - Date.now()
    if (remaining <= 0) {
      last = new RpcError('DEADLINE_EXCEEDED', `event ${d.event} (group ${d.group}): deadline exceeded after ${tried.size} attempt(s)`, { service: EVENTS_SERVICE, method: 'emit', mayHaveExecuted })
      break
    }
    tried.add(peer)
    const untried = 1 + candidates.filter(c => !tried.has(c.peerId)).length
    const share = d.attemptTimeoutMs ?? remaining / untried
    const timeoutMs = share === Infinity ? undefined : Math.max(1, Math.round(Math.min(share, remaining)))
    const started = performance.now()
    balancer.onStart(peer)
    try {
      await deps.attempt(peer, timeoutMs)
      balancer.onEnd(peer, { latencyMs: performance.now() - started, ok: true })
      return peer
    } catch (e) {
      const err = e instanceof RpcError ? e : new RpcError('INTERNAL', String((e as Error)?.message ?? e), { peer, cause: e })
      balancer.onEnd(peer, { latencyMs: performance.now() - started, ok: false, failureKind: failureKind(err) })
      last = err
      mayHaveExecuted ||= err.mayHaveExecuted
      if (!failsOver(err)) throw err
    }
  }
  throw noLiveSubscriber(d, deps.subscribers(), tried, last, mayHaveExecuted)
}

function noLiveSubscriber (d: GroupDelivery, subs: GroupSubscribers | undefined, tried: Set<string>, last: RpcError | undefined, mayHaveExecuted: boolean): RpcError {
  if (last?.code === 'DEADLINE_EXCEEDED' && tried.size === 0) return last
  const why = tried.size > 0
    ? `tried ${[...tried].join(', ')}; last error: ${last?.message ?? 'none'}`
    : subs === undefined
      ? 'no peer subscribes in it'
      : subs.dead.length > 0 ? `its subscriber(s) ${subs.dead.join(', ')} are dead` : 'no peer subscribes in it'
  return new RpcError('UNAVAILABLE', `event ${d.event}: no live subscriber of group ${d.group} took it (${why})`, {
    service: EVENTS_SERVICE,
    method: 'emit',
    peer: last?.peer,
    mayHaveExecuted,
    data: { event: d.event, group: d.group, tried: [...tried] },
    cause: last
  })
}
