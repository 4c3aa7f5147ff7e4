/**
 * Names and bounds of cluster events, and how a peer's subscriptions travel in its membership record: one meta
 * entry per event, `ev:<event>` = its groups joined by ','. Pure.
 */

/** The built-in service that takes deliveries (`emit`, `broadcast`); kept out of `node.services()` and the record's services. */
export const EVENTS_SERVICE = '$events'
/** Meta key prefix of a peer's subscriptions: `ev:order.created` = 'billing,mail'. */
export const EVENT_META_PREFIX = 'ev:'
/** Distinct events one peer may subscribe to: each is one record meta entry, and a record keeps 256 (MAX_RECORD_META in @peercall/membership), some of them for `idem:<service>`. */
export const MAX_SUBSCRIBED_EVENTS = 128
/** Longest event name, UTF-16 units (a record keeps meta keys up to 1024; Moleculer event names are dotted words). */
export const MAX_EVENT_NAME = 256
/** Longest group name, UTF-16 units. */
export const MAX_GROUP_NAME = 128
/** Longest meta value (the joined groups of one event): a record keeps meta values up to 1024 (MAX_RECORD_STRING). */
export const MAX_GROUPS_VALUE = 1024

/** Why `event` cannot be an event name, or undefined. */
export function eventNameProblem (event: unknown): string | undefined {
  if (typeof event !== 'string' || event.length === 0) return 'event must be a non-empty string'
  if (event.length > MAX_EVENT_NAME) return `event name longer than ${MAX_EVENT_NAME}`
  return undefined
}

/** Why `group` cannot be a group name, or undefined. */
export function groupNameProblem (group: unknown): string | undefined {
  if (typeof group !== 'string' || group.length === 0) return 'group must be a non-empty string'
  if (group.length > MAX_GROUP_NAME) return `group name longer than ${MAX_GROUP_NAME}`
  if (group.includes(',')) return 'group name must not contain ","'
  return undefined
}

/** The record meta entries of a peer's subscriptions: event -> its groups. */
export function encodeSubscriptions (subs: ReadonlyMap<string, Iterable<string>>): Record<string, string> {
  const meta: Record<string, string> = {}
  for (const [event, groups] of subs) {
    const value = [...groups].join(',')
    if (value.length > 0) meta[EVENT_META_PREFIX + event] = value
  }
  return meta
}

/** The groups a member's record says it subscribes to `event` with (none for a record without the entry). */
export function groupsInRecord (meta: Readonly<Record<string, string>> | undefined, event: string): string[] {
  const value = meta?.[EVENT_META_PREFIX + event]
  if (value === undefined || value.length === 0) return []
  return value.split(',').filter(g => g.length > 0)
}
