/**
 * This peer's subscriptions: event -> group -> handlers. A delivery for a group runs one of the group's handlers
 * here (in turn, when several subscribed in the same group); a broadcast runs them all. Pure (no I/O).
 */
import { encodeSubscriptions, eventNameProblem, groupNameProblem, MAX_GROUPS_VALUE, MAX_SUBSCRIBED_EVENTS } from './names.js'
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
    if (entry.subs.length === 0) groups.delete(sub.group)
    if (groups.size === 0) this.events.delete(sub.event)
    return true
  }

  /** The groups this peer subscribes to `event` with. */
  groups (event: string): string[] {
    return [...(this.events.get(event)?.keys() ?? [])]
  }

  /** The handler of `group` whose turn it is, or undefined when this peer has none in that group. */
  next (event: string, group: string): Subscription | undefined {
    const entry = this.events.get(event)?.get(group)
    if (entry === undefined) return undefined
    const sub = entry.subs[entry.turn % entry.subs.length]
    entry.turn = (entry.turn + 1) % entry.subs.length
    return sub
  }

  /** Every subscription to `event`, all groups. */
  all (event: string): Subscription[] {
    const out: Subscription[] = []
    for (const entry of this.events.get(event)?.values() ?? []) out.push(...entry.subs)
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
