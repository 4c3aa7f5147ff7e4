/**
 * The public types of cluster events: `node.subscribe`, `node.emit`, `node.broadcast`.
 */
import type { Authorize } from '../security/authorize.js'
import type { Metadata } from '../wire/metadata.js'

/** What a subscriber's handler learns of one delivery. */
export interface EventContext {
  /** Id of this emit or broadcast: the same on every delivery of it (every group, every attempt, every peer). */
  readonly id: string
  /** The emitted event's name (also when the handler subscribed with a pattern that takes it). */
  readonly event: string
  /** The group this delivery is for; for a broadcast, the group the handler subscribed with. */
  readonly group: string
  /** Verified peer id of the emitting peer (this peer's own id for a local emit). */
  readonly peer: string
  /** True for `broadcast`, false for `emit`. */
  readonly broadcast: boolean
  /** The emitter's `meta` headers. */
  readonly meta: Metadata
}

/** A subscriber. Its promise is awaited: an emit resolves once the handler has finished. */
export type EventHandler<P = any> = (payload: P, ctx: EventContext) => unknown

/**
 * `node.subscribe(name, ...)` takes an event name or a pattern: `*` stands for one dot-separated word or part of one
 * (`order.*` takes `order.created`, not `order.line.added`), `**` for any characters, dots included (`order.**`,
 * `**`). A subscriber with a pattern is in the group it names (by default the pattern itself) for every event the
 * pattern takes.
 */
export interface SubscribeOptions {
  /**
   * The group: each `emit` reaches one subscriber per group, balanced across the peers subscribing in it.
   * Name one per consuming service (as Moleculer's default group, the service name), so that replicas of a
   * service share the work and different services each get every event. @default the event name (every
   * subscriber that names no group is in one cluster-wide group per event)
   */
  group?: string
  /**
   * Who may deliver to this subscriber: sees the emitting peer's verified id, service `$events` and the event
   * name as `method`; false or a throw answers PERMISSION_DENIED and the handler does not run. @default anyone
   */
  authorize?: Authorize
}

export interface EmitOptions {
  /** Deadline of the whole emit (every group, failovers included), ms; 0 or Infinity: none. @default the node's timeoutMs */
  timeoutMs?: number
  /** Deadline of each delivery attempt, ms. @default what is left, shared equally by the subscribers not yet tried */
  attemptTimeoutMs?: number
  /** Aborting it cancels the deliveries still under way. */
  signal?: AbortSignal
  /** Only these groups. @default every group that subscribes to the event */
  groups?: string[]
  /** Headers sent with each delivery (the handler's `ctx.meta`). */
  meta?: Record<string, string>
}

/** Where an emit was delivered: one peer per group. */
export interface EmitResult {
  id: string
  delivered: Array<{ group: string, peer: string }>
}

export interface BroadcastOptions {
  /** Deadline of each peer's delivery, ms; 0 or Infinity: none. @default the node's timeoutMs */
  timeoutMs?: number
  signal?: AbortSignal
  meta?: Record<string, string>
}

/** Which subscribing peers a broadcast reached (each ran all its handlers of the event) and which it did not. */
export interface BroadcastResult {
  id: string
  delivered: string[]
  failed: Array<{ peer: string, error: Error }>
}
