/**
 * Cluster events, wired to a node: `subscribe` keeps this peer's table and its record's `ev:<event>` entries
 * current; `emit` delivers to one subscriber per group (deliver.ts) and `broadcast` to every subscribing peer,
 * each delivery a call to the built-in `$events` service made through the node's own `call` (outgoing
 * interceptors, deadlines, the session) with the peer chosen here.
 *
 * Guarantees: an emit is delivered at least once to each group (a failover after a subscriber died may repeat a
 * delivery that ran before the death went unanswered), and its handler runs once per delivery id while the
 * receiving peer lives (repeats on the same peer are answered from its call-id cache). A broadcast is delivered at
 * most once per subscribing peer (one attempt each, no retry).
 */
import { randomUUID } from 'node:crypto'
import { MEMBER_EVENTS } from '@peercall/membership'
import { RpcError } from '../errors.js'
import { deliverToGroup } from './deliver.js'
import { broadcastTargets, subscribersOf } from './directory.js'
import { EVENTS_SERVICE, emitNameProblem, groupNameProblem } from './names.js'
import { eventsService } from './service.js'
import { SubscriptionTable } from './table.js'
import type { Balancer } from '@peercall/balancer'
import type { Member, Membership } from '@peercall/membership'
import type { CallOptions } from '../types.js'
import type { GroupSubscribers, LocalSubscriber } from './directory.js'
import type { EventsService } from './service.js'
import type { BroadcastOptions, BroadcastResult, EmitOptions, EmitResult, EventHandler, SubscribeOptions } from './types.js'

export interface EventBusDeps {
  localId: string
  membership: Membership
  balancer: Balancer
  /** The node's call (pinned with `peer`). */
  call: (service: string, method: string, args: unknown[], options: CallOptions) => Promise<unknown>
  /** This peer's load as a server (its candidate entry). */
  load: () => { inflight: number, latencyMs: number }
  /** The peers that may be delivered to (the node's allowlist); undefined: any. */
  allowed?: (peerId: string) => boolean
  /** Deadline of emits and broadcasts that name none, ms (0 or Infinity: none). */
  defaultTimeoutMs: number
  /** The subscriptions changed: republish the record. */
  changed: () => void
}

export class EventBus {
  readonly table = new SubscriptionTable()
  /** The `$events` service the node registers. */
  readonly service: EventsService
  private readonly deps: EventBusDeps
  /** Subscribers per event, until membership or this peer's table changes. */
  private readonly cache = new Map<string, Map<string, GroupSubscribers>>()
  private readonly loadAt = new Map<string, number>()

  constructor (deps: EventBusDeps) {
    this.deps = deps
    this.service = eventsService(this.table)
    for (const type of MEMBER_EVENTS) {
      deps.membership.addEventListener(type, (e: Event) => {
        const m = (e as CustomEvent<Member>).detail
        if (m !== undefined) this.loadAt.set(m.peerId, Date.now())
        this.cache.clear()
      })
    }
  }

  subscribe (event: string, handler: EventHandler, options: SubscribeOptions = {}): () => void {
    if (options === null || typeof options !== 'object') throw new TypeError('subscribe: options must be an object')
    const group = options.group ?? event
    const known = this.table.groupsOf(event).includes(group)
    const sub = this.table.add(event, group, handler, options.authorize)
    // the record changes only with the first handler of a group here and the last
    if (!known) this.changedGroups()
    let done = false
    return () => {
      if (done) return
      done = true
      if (this.table.remove(sub) && !this.table.groupsOf(event).includes(group)) this.changedGroups()
    }
  }

  private changedGroups (): void {
    this.cache.clear()
    this.deps.changed()
  }

  /** The record meta entries of this peer's subscriptions. */
  meta (): Record<string, string> {
    return this.table.meta()
  }

  async emit (event: string, payload: unknown, options: EmitOptions = {}): Promise<EmitResult> {
    const problem = emitNameProblem(event) ?? optionsProblem(options) ?? (options.groups ?? []).map(groupNameProblem).find(p => p !== undefined)
    if (problem !== undefined) throw invalid('emit', problem)
    const id = randomUUID()
    const known = this.subscribers(event)
    const groups = options.groups ?? [...known.keys()]
    const deadline = deadlineOf(options.timeoutMs ?? this.deps.defaultTimeoutMs)
    const deliveries = groups.map(async group => {
      const peer = await deliverToGroup({
        balancer: this.deps.balancer,
        subscribers: () => this.subscribers(event).get(group),
        attempt: async (peer, timeoutMs) => await this.deps.call(EVENTS_SERVICE, 'emit', [event, group, payload, id], {
          peer,
          timeoutMs: timeoutMs ?? 0,
          signal: options.signal,
          callId: `${id}/${group}`,
          ...(options.meta !== undefined ? { meta: options.meta } : {})
        })
      }, { event, group, deadline, attemptTimeoutMs: options.attemptTimeoutMs, signal: options.signal })
      return { group, peer }
    })
    const outcomes = await Promise.allSettled(deliveries)
    const failed = outcomes.find(o => o.status === 'rejected')
    if (failed !== undefined) throw failed.reason
    return { id, delivered: outcomes.map(o => (o as PromiseFulfilledResult<{ group: string, peer: string }>).value) }
  }

  async broadcast (event: string, payload: unknown, options: BroadcastOptions = {}): Promise<BroadcastResult> {
    const problem = emitNameProblem(event) ?? optionsProblem(options)
    if (problem !== undefined) throw invalid('broadcast', problem)
    const id = randomUUID()
    const peers = broadcastTargets(this.members(), event, this.local(event))
    const timeoutMs = options.timeoutMs ?? this.deps.defaultTimeoutMs
    const outcomes = await Promise.allSettled(peers.map(async peer => await this.deps.call(EVENTS_SERVICE, 'broadcast', [event, payload, id], {
      peer,
      timeoutMs,
      signal: options.signal,
      ...(options.meta !== undefined ? { meta: options.meta } : {})
    })))
    const result: BroadcastResult = { id, delivered: [], failed: [] }
    outcomes.forEach((o, i) => {
      if (o.status === 'fulfilled') result.delivered.push(peers[i])
      else result.failed.push({ peer: peers[i], error: o.reason as Error })
    })
    return result
  }

  /** The groups of `event` and their candidates (cached until something changes). */
  subscribers (event: string): Map<string, GroupSubscribers> {
    let known = this.cache.get(event)
    if (known === undefined) {
      known = subscribersOf(this.members(), event, this.local(event), id => this.loadAt.get(id))
      this.cache.set(event, known)
    }
    return known
  }

  /** The members that may be delivered to. */
  private members (): Member[] {
    const all = this.deps.membership.members()
    const allowed = this.deps.allowed
    return allowed === undefined ? all : all.filter(m => allowed(m.peerId))
  }

  private local (event: string): LocalSubscriber {
    const l = this.deps.load()
    return { peerId: this.deps.localId, groups: this.table.groups(event), load: { inflight: l.inflight, latencyMs: l.latencyMs, at: Date.now() } }
  }
}

function deadlineOf (timeoutMs: number): number | undefined {
  return timeoutMs > 0 && Number.isFinite(timeoutMs) ? Date.now() + timeoutMs : undefined
}

function optionsProblem (o: unknown): string | undefined {
  if (o === null || typeof o !== 'object') return 'options must be an object'
  const { timeoutMs, attemptTimeoutMs, groups } = o as EmitOptions
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs >= 0)) return 'timeoutMs must be a non-negative number of ms'
  if (attemptTimeoutMs !== undefined && !(typeof attemptTimeoutMs === 'number' && attemptTimeoutMs > 0)) return 'attemptTimeoutMs must be a positive number of ms'
  if (groups !== undefined && !Array.isArray(groups)) return 'groups must be an array of group names'
  return undefined
}

function invalid (method: string, problem: string): RpcError {
  return new RpcError('INVALID_ARGUMENT', `${method}: ${problem}`, { service: EVENTS_SERVICE, method, mayHaveExecuted: false, retryable: false })
}
