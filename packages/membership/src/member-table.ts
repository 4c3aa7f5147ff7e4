/**
 * The member table of one `Swim` state machine: a Map from peer id to member, optionally layered over a view shared
 * by many state machines (copy on write).
 *
 * The libp2p adapter runs one state machine per process and uses the table as a plain Map. The simulator runs
 * thousands in one process; each holding its own copy of a converged view costs N^2 member records (10,000 peers:
 * 10^8 records, about 20 GB). With `adopt(shared)` every state machine starts from one shared, read-only view and
 * copies a record only when it changes it (a suspicion, a refutation, a death), so memory grows with the changes,
 * not with N^2.
 *
 * It behaves exactly as a Map in this process's use (asserted against Map by a property test): same answers, and
 * iteration in the same order (records before the shared view, the view in its order, records added after it).
 */
import type { MemberState } from './messages.js'

export interface SwimMember {
  id: string
  state: MemberState
  inc: number
  ver: number
  data: unknown
  /** time of the last state change */
  since: number
}

/** A read-only view many tables can share: ids in order and their members (never modified through a table). */
export interface SharedView {
  readonly ids: readonly string[]
  readonly index: ReadonlyMap<string, number>
  readonly members: ReadonlyArray<Readonly<SwimMember>>
}

/** A shared view of `members` in their order. */
export function sharedView (members: ReadonlyArray<Readonly<SwimMember>>): SharedView {
  const ids = members.map(m => m.id)
  return { ids, index: new Map(ids.map((id, i) => [id, i])), members }
}

/** Marks a shared slot that this table deleted. */
const DELETED = null

export class MemberTable implements Iterable<[string, Readonly<SwimMember>]> {
  /** records set before a shared view was adopted (all of them when there is none) */
  private readonly head = new Map<string, SwimMember>()
  private view: SharedView | undefined
  /** this table's own record (a copy) or DELETED, per slot of the shared view that it changed */
  private readonly own = new Map<number, SwimMember | typeof DELETED>()
  private deletedShared = 0
  /** records added after the view was adopted, or re-added after being deleted from it */
  private readonly tail = new Map<string, SwimMember>()

  /**
   * Layer this table over `view`. Ids already in the table keep their own record (and their place first); the
   * rest read through to the view until changed.
   */
  adopt (view: SharedView): void {
    if (this.view !== undefined || this.tail.size > 0) throw new Error('a member table adopts one shared view, before anything is added after it')
    this.view = view
    for (const id of this.head.keys()) {
      const slot = view.index.get(id)
      if (slot !== undefined) { this.own.set(slot, DELETED); this.deletedShared++ }
    }
  }

  get size (): number {
    return this.head.size + (this.view === undefined ? 0 : this.view.ids.length - this.deletedShared) + this.tail.size
  }

  has (id: string): boolean {
    return this.peek(id) !== undefined
  }

  /** The record of `id`, to read or to change: a shared record is copied into this table first. */
  get (id: string): SwimMember | undefined {
    const h = this.head.get(id)
    if (h !== undefined || this.view === undefined) return h
    const slot = this.view.index.get(id)
    if (slot !== undefined) {
      const o = this.own.get(slot)
      if (o !== undefined) return o === DELETED ? this.tail.get(id) : o
      const copy = { ...this.view.members[slot] }
      this.own.set(slot, copy)
      return copy
    }
    return this.tail.get(id)
  }

  /** The record of `id`, only to read (a shared record is not copied). */
  peek (id: string): Readonly<SwimMember> | undefined {
    const h = this.head.get(id)
    if (h !== undefined || this.view === undefined) return h
    const slot = this.view.index.get(id)
    if (slot !== undefined) {
      const o = this.own.get(slot)
      if (o === undefined) return this.view.members[slot]
      if (o !== DELETED) return o
    }
    return this.tail.get(id)
  }

  set (id: string, m: SwimMember): this {
    if (this.view === undefined || this.head.has(id)) { this.head.set(id, m); return this }
    const slot = this.view.index.get(id)
    if (slot !== undefined && this.own.get(slot) !== DELETED) this.own.set(slot, m)
    else this.tail.set(id, m)
    return this
  }

  delete (id: string): boolean {
    if (this.head.delete(id)) return true
    if (this.view === undefined) return false
    const slot = this.view.index.get(id)
    if (slot !== undefined && this.own.get(slot) !== DELETED) {
      this.own.set(slot, DELETED)
      this.deletedShared++
      return true
    }
    return this.tail.delete(id)
  }

  /** Every record, to read (change a member through `get`). */
  * values (): IterableIterator<Readonly<SwimMember>> {
    for (const [, m] of this) yield m
  }

  * [Symbol.iterator] (): IterableIterator<[string, Readonly<SwimMember>]> {
    yield * this.head
    const view = this.view
    if (view === undefined) return
    for (let slot = 0; slot < view.ids.length; slot++) {
      const o = this.own.get(slot)
      if (o === DELETED) continue
      yield [view.ids[slot], o ?? view.members[slot]]
    }
    yield * this.tail
  }
}
