/** A binary min-heap of events ordered by time, then by insertion order (so the simulator is deterministic). */
export interface Timed { at: number, seq: number }

export class EventHeap<T extends Timed> {
  private readonly a: T[] = []
  get size (): number { return this.a.length }

  push (x: T): void {
    const a = this.a
    a.push(x)
    let i = a.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!less(a[i], a[p])) break
      const t = a[i]; a[i] = a[p]; a[p] = t
      i = p
    }
  }

  pop (): T | undefined {
    const a = this.a
    if (a.length === 0) return undefined
    const top = a[0]
    const last = a.pop() as T
    if (a.length > 0) {
      a[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < a.length && less(a[l], a[m])) m = l
        if (r < a.length && less(a[r], a[m])) m = r
        if (m === i) break
        const t = a[i]; a[i] = a[m]; a[m] = t
        i = m
      }
    }
    return top
  }

  peek (): T | undefined { return this.a[0] }
}

function less (x: Timed, y: Timed): boolean {
  return x.at < y.at || (x.at === y.at && x.seq < y.seq)
}
