/** A binary min-heap of timed events for the discrete-event simulation (ties broken by insertion order). */
export interface Timed { t: number, seq: number, run: () => void }

export class EventQueue {
  private readonly heap: Timed[] = []
  private seq = 0
  now = 0

  at (t: number, run: () => void): void {
    const ev = { t, seq: this.seq++, run }
    const h = this.heap
    h.push(ev)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (less(h[p], ev)) break
      h[i] = h[p]; i = p
    }
    h[i] = ev
  }

  after (dt: number, run: () => void): void { this.at(this.now + dt, run) }

  /** Runs events in time order until the queue is empty or `until` returns true. */
  run (until: () => boolean = () => false): void {
    const h = this.heap
    while (h.length > 0 && !until()) {
      const top = h[0]
      const last = h.pop()!
      if (h.length > 0) {
        let i = 0
        for (;;) {
          const l = 2 * i + 1
          if (l >= h.length) break
          const r = l + 1
          const c = r < h.length && less(h[r], h[l]) ? r : l
          if (less(last, h[c])) break
          h[i] = h[c]; i = c
        }
        h[i] = last
      }
      this.now = top.t
      top.run()
    }
  }
}

function less (a: Timed, b: Timed): boolean { return a.t < b.t || (a.t === b.t && a.seq < b.seq) }
