/**
 * The calls a session waits for, by request id. Ids are handed out in sequence, so a call's slot is its id's low
 * bits: finding, adding and removing a call takes no hashing (a Map's set, get and delete cost about 60 ns per call
 * together, and its table is rebuilt as the deletions pile up). When a slot is still taken by an older call as its
 * id comes round, the table doubles, up to MAX_SLOTS; past that, the newer call goes to a Map on the side.
 */

/** Slots at first (calls in flight per session before the first doubling). */
export const INITIAL_SLOTS = 64
/** Most slots per session (8 bytes each): calls whose slot is taken beyond it are kept in a Map. */
export const MAX_SLOTS = 4096

export class CallTable<T extends { readonly id: number }> {
  private slots: Array<T | undefined>
  private mask: number
  private readonly overflow = new Map<number, T>()
  /** Calls held. */
  size = 0

  constructor (slots = INITIAL_SLOTS) {
    this.slots = new Array<T | undefined>(slots).fill(undefined)
    this.mask = slots - 1
  }

  get (id: number): T | undefined {
    const c = this.slots[id & this.mask]
    if (c !== undefined && c.id === id) return c
    return this.overflow.size === 0 ? undefined : this.overflow.get(id)
  }

  /** Adds a call whose id is not held (ids are unique among the calls in flight). */
  add (call: T): void {
    this.size++
    while (true) {
      const i = call.id & this.mask
      if (this.slots[i] === undefined) {
        this.slots[i] = call
        return
      }
      if (this.slots.length >= MAX_SLOTS) {
        this.overflow.set(call.id, call)
        return
      }
      this.grow()
    }
  }

  delete (id: number): boolean {
    const i = id & this.mask
    const c = this.slots[i]
    if (c !== undefined && c.id === id) {
      this.slots[i] = undefined
      this.size--
      return true
    }
    if (this.overflow.size > 0 && this.overflow.delete(id)) {
      this.size--
      return true
    }
    return false
  }

  /** The calls held, in the order their ids were handed out (oldest first, as a Map would list them). */
  values (): T[] {
    const out: T[] = []
    for (const c of this.slots) if (c !== undefined) out.push(c)
    for (const c of this.overflow.values()) out.push(c)
    return out.sort((a, b) => a.id - b.id)
  }

  private grow (): void {
    const old = this.slots
    const n = old.length * 2
    this.slots = new Array<T | undefined>(n).fill(undefined)
    this.mask = n - 1
    for (const c of old) {
      if (c === undefined) continue
      const i = c.id & this.mask
      if (this.slots[i] === undefined) this.slots[i] = c
      else this.overflow.set(c.id, c)
    }
  }
}
