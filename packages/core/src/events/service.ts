/**
 * The receiving end: the built-in `$events` service every node registers. A delivery is an ordinary call to it,
 * so it passes the same admission (allowlist, per-peer limit, call-id de-duplication), incoming interceptors and
 * call context as any call; each subscription's own `authorize` runs before its handler.
 *
 *   emit(event, group, payload, id)   runs one handler of `group` here (NOT_FOUND, retryable, if none)
 *   broadcast(event, payload, id)     runs every handler of `event` here
 */
import { RpcError } from '../errors.js'
import { authorized } from '../security/authorize.js'
import { callContext } from '../server/context.js'
import { EVENTS_SERVICE, emitNameProblem, groupNameProblem } from './names.js'
import type { SubscriptionTable, Subscription } from './table.js'
import type { CallContext } from '../server/context.js'
import type { EventContext } from './types.js'

export interface EventsService {
  emit: (event: unknown, group: unknown, payload: unknown, id: unknown) => Promise<void>
  broadcast: (event: unknown, payload: unknown, id: unknown) => Promise<void>
}

export function eventsService (table: SubscriptionTable): EventsService {
  return {
    async emit (event, group, payload, id) {
      const problem = emitNameProblem(event) ?? groupNameProblem(group) ?? idProblem(id)
      if (problem !== undefined) throw invalid('emit', problem)
      const sub = table.next(event as string, group as string)
      if (sub === undefined) {
        throw new RpcError('NOT_FOUND', `event ${event as string}: no subscriber of group ${group as string} on this peer`, { service: EVENTS_SERVICE, method: 'emit', mayHaveExecuted: false, retryable: true })
      }
      await run(sub, event as string, payload, id as string, false)
    },
    async broadcast (event, payload, id) {
      const problem = emitNameProblem(event) ?? idProblem(id)
      if (problem !== undefined) throw invalid('broadcast', problem)
      const subs = table.all(event as string)
      if (subs.length === 0) {
        throw new RpcError('NOT_FOUND', `event ${event as string}: no subscriber on this peer`, { service: EVENTS_SERVICE, method: 'broadcast', mayHaveExecuted: false, retryable: true })
      }
      // every handler runs, whatever another one does; the first failure is the answer
      const outcomes = await Promise.allSettled(subs.map(async sub => { await run(sub, event as string, payload, id as string, true) }))
      const failed = outcomes.find(o => o.status === 'rejected')
      if (failed !== undefined) throw failed.reason
    }
  }
}

async function run (sub: Subscription, event: string, payload: unknown, id: string, broadcast: boolean): Promise<void> {
  // deliveries always run inside their call's context (the server pipeline's)
  const call = callContext() as CallContext
  const ctx: EventContext = { id, event, group: sub.group, peer: call.peer, broadcast, meta: call.meta }
  if (sub.authorize === undefined) {
    await sub.handler(payload, ctx)
    return
  }
  await authorized(sub.authorize, { peer: call.peer, service: EVENTS_SERVICE, method: event }, () => sub.handler(payload, ctx))
}

function idProblem (id: unknown): string | undefined {
  return typeof id === 'string' && id.length > 0 && id.length <= 128 ? undefined : 'id must be a string of 1 to 128 characters'
}

function invalid (method: string, problem: string): RpcError {
  return new RpcError('INVALID_ARGUMENT', `${EVENTS_SERVICE}.${method}: ${problem}`, { service: EVENTS_SERVICE, method, mayHaveExecuted: false, retryable: false })
}
