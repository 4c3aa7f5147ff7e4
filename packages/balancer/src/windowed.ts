/**
 * A sum over a sliding time window, kept in slots (Finagle's `WindowedAdder`): additions older than the window
 * expire slot by slot. Pure: time comes in as an argument.
 */
export class WindowedSum {
  private readonly slots: Float64Array
  private readonly slotMs: number
  private current = 0
  private currentStart: number

  constructor (windowMs: number, now: number, slots = 10) {
    this.slots = new Float64Array(slots)
    this.slotMs = windowMs / slots
    this.currentStart = Math.floor(now / this.slotMs) * this.slotMs
  }

  add (x: number, now: number): void {
    if (now - this.currentStart >= this.slotMs) this.advance(now)
    this.slots[this.current] += x
  }

  sum (now: number): number {
    this.advance(now)
    let s = 0
    for (let i = 0; i < this.slots.length; i++) s += this.slots[i]
    return s
  }

  private advance (now: number): void {
    const steps = Math.floor((now - this.currentStart) / this.slotMs)
    if (steps <= 0) return
    const n = this.slots.length
    for (let i = 1; i <= Math.min(steps, n); i++) this.slots[(this.current + i) % n] = 0
    this.current = (this.current + steps) % n
    this.currentStart += steps * this.slotMs
  }
}
