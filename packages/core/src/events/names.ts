/**
 * Names and bounds of cluster events, and how a peer's subscriptions travel in its membership record: one meta
 * entry per subscribed name, `ev:<name>` = its groups joined by ','. A subscribed name may be a pattern, as in
 * Moleculer: `*` stands for one dot-separated word or part of one (`order.*` takes `order.created`, not
 * `order.line.added`), `**` for any characters, dots included (`order.**`, `**`). Emitted names are never
 * patterns. Pure.
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

/** Why `event` cannot be emitted or broadcast (a pattern names no one event), or undefined. */
export function emitNameProblem (event: unknown): string | undefined {
  return eventNameProblem(event) ?? ((event as string).includes('*') ? 'an emitted event name must not contain "*" (patterns are for subscribe)' : undefined)
}

/** Whether a subscribed name is a pattern. */
export function isPattern (name: string): boolean {
  return name.includes('*')
}

/** Compiled patterns, bounded: names come from members' records, which are bounded too (MAX_SUBSCRIBED_EVENTS each). */
const compiled = new Map<string, RegExp>()
const MAX_COMPILED = 4096

/** Whether the subscribed name (an event name or a pattern) takes `event`. */
export function eventMatches (name: string, event: string): boolean {
  if (!isPattern(name)) return name === event
  let re = compiled.get(name)
  if (re === undefined) {
    const body = name.split('**').map(part => part.split('*').map(escape).join('[^.]*')).join('.*')
    re = new RegExp(`^${body}$`, 's')
    if (compiled.size >= MAX_COMPILED) compiled.clear()
    compiled.set(name, re)
  }
  return re.test(event)
}

function escape (text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
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

/**
 * The groups a member's record says it subscribes to `event` with, by name or by a pattern that takes it (none for
 * a record without such an entry).
 */
export function groupsInRecord (meta: Readonly<Record<string, string>> | undefined, event: string): string[] {
  if (meta === undefined) return []
  const out = splitGroups(meta[EVENT_META_PREFIX + event])
  for (const key in meta) {
    if (!key.startsWith(EVENT_META_PREFIX) || !key.includes('*')) continue
    if (!eventMatches(key.slice(EVENT_META_PREFIX.length), event)) continue
    for (const g of splitGroups(meta[key])) if (!out.includes(g)) out.push(g)
  }
  return out
}

function splitGroups (value: string | undefined): string[] {
  if (value === undefined || value.length === 0) return []
  return value.split(',').filter(g => g.length > 0)
}
