/**
 * This peer's subscriptions: subscribed name (an event name or a pattern, names.ts) -> group -> handlers. A
 * delivery of an event for a group runs one of the handlers here that the group has for a name taking the event (in
 * turn, when there are several); a broadcast runs them all. Pure (no I/O).
 */
import { encodeSubscriptions, eventMatches, eventNameProblem, groupNameProblem, isPattern, MAX_GROUPS_VALUE, MAX_SUBSCRIBED_EVENTS } from './names.js'
import type { Authorize } from '../security/authorize.js'
import type { EventHandler } from './types.js'

export interface Subscription {
  readonly event: string
  readonly group: string
  readonly handler: EventHandler
  readonly authorize: Authorize | undefined
}

interface GroupEntry {
  subs: Subscription[]
  /** Whose turn it is among `subs`. */
  turn: number
}

export class SubscriptionTable {
  private readonly events = new Map<string, Map<string, GroupEntry>>()
  /** The subscribed names that are patterns (a delivery checks each). */
  private readonly patterns = new Set<string>()
  /** Whose turn it is in a group whose handlers for an event come from more than one subscribed name. */
  private readonly turns = new Map<string, number>()
  private readonly maxEvents: number

  constructor (maxEvents = MAX_SUBSCRIBED_EVENTS) {
    this.maxEvents = maxEvents
  }

  /** Adds a subscription; throws TypeError for a bad name or handler, RangeError past the bounds of the record. */
  add (event: string, group: string, handler: EventHandler, authorize?: Authorize): Subscription {
    const problem = eventNameProblem(event) ?? groupNameProblem(group)
    if (problem !== undefined) throw new TypeError(`subscribe: ${problem}`)
    if (typeof handler !== 'function') throw new TypeError('subscribe: handler must be a function')
    if (authorize !== undefined && typeof authorize !== 'function') throw new TypeError('subscribe: authorize must be a function')
    let groups = this.events.get(event)
    if (groups === undefined) {
      if (this.events.size >= this.maxEvents) throw new RangeError(`subscribe: this peer already subscribes to ${this.maxEvents} events (MAX_SUBSCRIBED_EVENTS)`)
      groups = new Map()
    }
    if (!groups.has(group)) {
      const joined = [...groups.keys(), group].join(',')
      if (joined.length > MAX_GROUPS_VALUE) throw new RangeError(`subscribe: the groups of ${event} on this peer would exceed ${MAX_GROUPS_VALUE} characters`)
    }
    this.events.set(event, groups)
    if (isPattern(event)) this.patterns.add(event)
    let entry = groups.get(group)
    if (entry === undefined) {
      entry = { subs: [], turn: 0 }
      groups.set(group, entry)
    }
    const sub: Subscription = { event, group, handler, authorize }
    entry.subs.push(sub)
    return sub
  }

  /** Removes one subscription; true if it was there. */
  remove (sub: Subscription): boolean {
    const groups = this.events.get(sub.event)
    const entry = groups?.get(sub.group)
    if (groups === undefined || entry === undefined) return false
    const i = entry.subs.indexOf(sub)
    if (i < 0) return false
    entry.subs.splice(i, 1)
    if (entry.subs.length === 0) { groups.delete(sub.group); this.turns.delete(sub.group) }
    if (groups.size === 0) { this.events.delete(sub.event); this.patterns.delete(sub.event) }
    return true
  }

  /** The groups this peer has subscriptions in under the subscribed name `name` itself (an event name or a pattern). */
  groupsOf (name: string): string[] {
    return [...(this.events.get(name)?.keys() ?? [])]
  }

  /** The groups this peer takes `event` in: by its name or by a pattern that takes it. */
  groups (event: string): string[] {
    const out = this.groupsOf(event)
    for (const name of this.patterns) {
      if (!eventMatches(name, event)) continue
      for (const g of this.events.get(name)!.keys()) if (!out.includes(g)) out.push(g)
    }
    return out
  }

  /** The handler of `group` for `event` whose turn it is, or undefined when this peer has none. */
  next (event: string, group: string): Subscription | undefined {
    const exact = this.events.get(event)?.get(group)
    let matched: GroupEntry[] | undefined
    for (const name of this.patterns) {
      const entry = this.events.get(name)!.get(group)
      if (entry !== undefined && eventMatches(name, event)) (matched ??= []).push(entry)
    }
    if (matched === undefined) {
      // the usual case: one subscribed name, its own turn
      if (exact === undefined) return undefined
      const sub = exact.subs[exact.turn % exact.subs.length]
      exact.turn = (exact.turn + 1) % exact.subs.length
      return sub
    }
    const subs = (exact === undefined ? matched : [exact, ...matched]).flatMap(e => e.subs)
    const turn = this.turns.get(group) ?? 0
    this.turns.set(group, (turn + 1) % subs.length)
    return subs[turn % subs.length]
  }

  /** Every subscription that takes `event`, all groups (by name first, then by pattern). */
  all (event: string): Subscription[] {
    const out: Subscription[] = []
    for (const entry of this.events.get(event)?.values() ?? []) out.push(...entry.subs)
    for (const name of this.patterns) {
      if (!eventMatches(name, event)) continue
      for (const entry of this.events.get(name)!.values()) out.push(...entry.subs)
    }
    return out
  }

  /** Events subscribed to here. */
  get size (): number {
    return this.events.size
  }

  /** The membership record meta entries that announce these subscriptions. */
  meta (): Record<string, string> {
    const m = new Map<string, Iterable<string>>()
    for (const [event, groups] of this.events) m.set(event, groups.keys())
    return encodeSubscriptions(m)
  }
}
