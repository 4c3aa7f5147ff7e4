/**
 * A model of gossipsub dissemination for the simulator. Peers form a random mesh (each peer grafts `out` random
 * peers, links are two-way, so the mean degree is about 2 x out = gossipsub's D = 6). A published message is pushed
 * eagerly along mesh links (one network delay per hop, each transmission lost with the loss rate); a peer that
 * misses the eager copy from a neighbour can still get it by lazy gossip (IHAVE/IWANT) at that neighbour's next
 * heartbeat. A peer forwards only after its own event loop runs (a stalled peer forwards late).
 * The flood is computed at publish time (Dijkstra over first arrivals), which is exact for a static topology.
 */
import { EventHeap } from './heap.js'

export interface FloodParams {
  rnd: () => number
  loss: number
  delay: () => number
  /** gossipsub heartbeat (ms) for the lazy IHAVE/IWANT repair (gossipsub default 1 s) */
  heartbeatMs: number
  /** can `a` reach `b` at time t (partitions, crashed peers) */
  linked: (a: number, b: number) => boolean
  /** when can peer i run again if a message arrives at t (stalls) */
  runnableAt: (i: number, t: number) => number
  /** is peer i up (not crashed) */
  up: (i: number) => boolean
}

export interface Arrival { node: number, at: number, hops: number }

export class Mesh {
  readonly adj: number[][]

  constructor (n: number, out: number, rnd: () => number) {
    const sets: Array<Set<number>> = Array.from({ length: n }, () => new Set<number>())
    const want = Math.min(out, n - 1)
    for (let i = 0; i < n; i++) {
      const grafted = new Set<number>()
      while (grafted.size < want) {
        const j = Math.floor(rnd() * n)
        if (j === i || grafted.has(j)) continue
        grafted.add(j)
        sets[i].add(j)
        sets[j].add(i)
      }
    }
    this.adj = sets.map(s => [...s])
  }

  /** First arrival of a message published by `origin` at `t0` at every reachable peer (excluding origin). */
  flood (origin: number, t0: number, p: FloodParams): { arrivals: Arrival[], transmissions: number[] } {
    const n = this.adj.length
    const best = new Float64Array(n).fill(Infinity)
    const hops = new Int32Array(n)
    const done = new Uint8Array(n)
    const transmissions: number[] = []
    const heap = new EventHeap<{ at: number, seq: number, node: number, hops: number }>()
    let seq = 0
    best[origin] = t0
    heap.push({ at: t0, seq: seq++, node: origin, hops: 0 })
    const arrivals: Arrival[] = []
    while (heap.size > 0) {
      const e = heap.pop()!
      if (done[e.node] === 1) continue
      done[e.node] = 1
      hops[e.node] = e.hops
      if (e.node !== origin) arrivals.push({ node: e.node, at: e.at, hops: e.hops })
      // the peer forwards once its loop runs
      const sendAt = e.node === origin ? e.at : p.runnableAt(e.node, e.at)
      for (const j of this.adj[e.node]) {
        if (done[j] === 1) continue
        transmissions.push(e.node)
        if (!p.up(j) || !p.linked(e.node, j)) continue
        let at: number
        if (p.rnd() >= p.loss) {
          at = sendAt + p.delay()
        } else {
          // lazy repair: IHAVE at the next heartbeat, IWANT, then the message (three transmissions)
          const lost = 1 - Math.pow(1 - p.loss, 3)
          if (p.rnd() < lost) continue
          at = sendAt + p.rnd() * p.heartbeatMs + p.delay() + p.delay() + p.delay()
        }
        if (at < best[j]) {
          best[j] = at
          heap.push({ at, seq: seq++, node: j, hops: e.hops + 1 })
        }
      }
    }
    return { arrivals, transmissions }
  }
}

