/**
 * A deterministic simulator of the membership protocol in virtual time: many `Swim` state machines, a network
 * with seeded loss and delay, partitions, crashes, and event-loop stalls. Point-to-point messages are delivered
 * one by one; broadcasts go through the gossipsub model in `mesh.ts`. Same seed, same run.
 */
import { Swim } from '../swim.js'
import { sharedView } from '../member-table.js'
import { EventHeap } from './heap.js'
import { Mesh } from './mesh.js'
import type { Arrival } from './mesh.js'
import { mulberry32 } from './rng.js'
import type { SwimConfig } from '../defaults.js'
import type { DirectMessage, GossipMessage, SwimEventType } from '../messages.js'

export interface SimOptions {
  n: number
  seed: number
  config: SwimConfig
  /** probability that one transmission is lost. @default 0 */
  loss?: number
  /**
   * What a lost transmission means. 'datagram': the message is gone (UDP, as SWIM and memberlist's probes assume).
   * 'stream': it is sent again after a retransmission timeout that doubles each time, as TCP does under the libp2p
   * adapter's streams, so loss becomes delay. @default 'datagram'
   */
  transport?: 'datagram' | 'stream'
  /** one-way delay range in ms. @default [1, 5] (a LAN) */
  delayMs?: [number, number]
  /** mesh links grafted by each peer; mean degree is about twice this (gossipsub D = 6). @default 3 */
  meshOut?: number
  /** gossipsub heartbeat in ms for lazy repair. @default 1000 (gossipsub) */
  heartbeatMs?: number
  /** start with every peer knowing every other (a converged cluster). @default true */
  converged?: boolean
  /**
   * Period of the record refresh in ms, as the libp2p adapter publishes every peer's own record (`RECORD_INTERVAL_MS`,
   * 1 s), or undefined for none. A refresh carries the subject's incarnation, so it repairs a missed refutation. It
   * is modelled by its only effect on the protocol: each peer whose view of the subject is behind (suspect, dead, or
   * an older incarnation) gets the record over one link (lost with `loss`, a pessimistic stand-in for the gossipsub
   * flood); a peer whose view is current would ignore it, so the flood to the others is not simulated (it would cost
   * N deliveries per peer per period). @default undefined
   */
  refreshMs?: number
}

/**
 * A recurring stall of one peer's event loop: stalled for `forMs` once in every window of `everyMs` from
 * `offsetMs`; with `jitter` the stall starts at a seeded random point of each window, else at its start.
 */
export interface Stall {
  node: number
  everyMs: number
  forMs: number
  offsetMs: number
  jitter?: boolean
  /** the stall starts as the peer sends its first probe of each window (the worst case for its own timers) */
  atProbe?: boolean
}

/** TCP's first retransmission timeout on Linux (TCP_RTO_MIN = 200 ms); it doubles on each further loss. */
export const TCP_RTO_MIN_MS = 200
/** Retransmissions before a stream gives up (Linux tcp_retries2 = 15; far beyond any probe deadline here). */
const MAX_RETRANSMITS = 15

/** Stalls remembered per peer for attributing accusations (a probe lasts a few periods at most). */
const STALL_HISTORY = 16

export interface SimEvent { at: number, observer: number, type: SwimEventType, subject: number }

type Item =
  | { at: number, seq: number, kind: 'wake', node: number }
  | { at: number, seq: number, kind: 'direct', node: number, from: number, msg: DirectMessage }
  | { at: number, seq: number, kind: 'gossip', node: number, from: number, msg: GossipMessage }
  | { at: number, seq: number, kind: 'unstall', node: number }
  | { at: number, seq: number, kind: 'refresh', node: number }

interface SimNode {
  swim: Swim
  up: boolean
  group: number
  wakeAt: number
  deferred: Item[]
  unstallAt: number
  sent: number
}

export class Simulator {
  now = 0
  readonly nodes: SimNode[] = []
  readonly mesh: Mesh
  /**
   * accusations a peer made at the end of a stall while the ack that would have cleared the probe sat unread in
   * its queue: false positives caused by the stall itself
   */
  stallAccusations = 0
  /**
   * accusations a peer made about the target of a probe that was in flight while that peer was stalled (the probe
   * started before a stall ended and failed after it began): the false positives a stall can cause, of which
   * `stallAccusations` is the subset with the answer already queued
   */
  stallOverlapAccusations = 0
  /** called for every membership event at every peer */
  onEvent?: (e: SimEvent) => void
  /** called for every broadcast with its first arrival at each peer it reached */
  onFlood?: (origin: number, msg: GossipMessage, arrivals: Arrival[]) => void
  private readonly heap = new EventHeap<Item>()
  private seq = 0
  private readonly rnd: () => number
  private readonly loss: number
  private readonly transport: 'datagram' | 'stream'
  private readonly delay: [number, number]
  private readonly heartbeatMs: number
  private readonly stalls: Stall[] = []
  /** stalls started by `atProbe`: node -> [start, end) */
  private readonly dynStall = new Map<number, [number, number]>()
  private readonly nextDynWindow = new Map<number, number>()
  /** stalls each peer has gone through, [start, end) in ms, oldest first */
  private readonly stallHistory = new Map<number, Array<[number, number]>>()
  /** start of each peer's latest probe of each target: `${node}:${target}` -> ms */
  private readonly probeStart = new Map<string, number>()
  /** peers whose view of a subject is behind it (a suspicion or death they hold): subject -> observers */
  private readonly behind = new Map<number, Set<number>>()
  private readonly index = new Map<string, number>()
  private readonly ids: string[]

  constructor (readonly opts: SimOptions) {
    this.rnd = mulberry32(opts.seed)
    this.loss = opts.loss ?? 0
    this.transport = opts.transport ?? 'datagram'
    this.delay = opts.delayMs ?? [1, 5]
    this.heartbeatMs = opts.heartbeatMs ?? 1000
    this.ids = Array.from({ length: opts.n }, (_, i) => `p${i}`)
    this.ids.forEach((id, i) => this.index.set(id, i))
    this.mesh = new Mesh(opts.n, opts.meshOut ?? 3, this.rnd)
    for (let i = 0; i < opts.n; i++) {
      const swim = new Swim(this.ids[i], opts.config, 0, { random: mulberry32((opts.seed * 7919 + i * 104729) >>> 0) })
      this.nodes.push({ swim, up: true, group: 0, wakeAt: Infinity, deferred: [], unstallAt: -1, sent: 0 })
    }
    if (opts.converged ?? true) {
      // one view shared by every peer (copy on write): N full member tables would take N^2 records
      const view = sharedView(this.nodes.map(nd => Object.freeze({ ...nd.swim.members.peek(nd.swim.id)! })))
      for (const nd of this.nodes) nd.swim.adoptView(view)
    }
    for (let i = 0; i < opts.n; i++) this.schedule(i)
    if (opts.refreshMs !== undefined) {
      for (let i = 0; i < opts.n; i++) this.push({ at: this.rnd() * opts.refreshMs, seq: 0, kind: 'refresh', node: i })
    }
  }

  id (i: number): string { return this.ids[i] }
  indexOf (id: string): number { return this.index.get(id) ?? -1 }

  /** Let peer i publish a new version of its record; returns when it was published. */
  publish (i: number, data: unknown): number {
    this.nodes[i].swim.setData(data)
    this.flush(i)
    return this.now
  }

  crash (i: number): void { this.nodes[i].up = false }
  partition (groups: number[][]): void { groups.forEach((g, k) => { for (const i of g) this.nodes[i].group = k }) }
  heal (): void { for (const n of this.nodes) n.group = 0 }
  addStall (s: Stall): void { this.stalls.push(s) }

  /** Total messages sent (point-to-point and gossip transmissions) by every peer. */
  totalSent (): number { return this.nodes.reduce((a, n) => a + n.sent, 0) }

  /** Run until virtual time `until` (ms). */
  run (until: number): void {
    for (;;) {
      const top = this.heap.peek()
      if (top === undefined || top.at > until) break
      this.heap.pop()
      this.now = top.at
      this.dispatch(top)
    }
    this.now = until
  }

  /** Is peer i stalled at t? Returns the end of the stall, or -1. */
  stallEnd (i: number, t: number): number {
    const dyn = this.dynStall.get(i)
    if (dyn !== undefined && t >= dyn[0] && t < dyn[1]) return dyn[1]
    for (const s of this.stalls) {
      if (s.node !== i || t < s.offsetMs || s.atProbe === true) continue
      const k = Math.floor((t - s.offsetMs) / s.everyMs)
      const shift = s.jitter === true ? Math.floor(mulberry32((this.opts.seed * 31 + k * 2654435761) >>> 0)() * (s.everyMs - s.forMs)) : 0
      const phase = (t - s.offsetMs) - k * s.everyMs - shift
      if (phase >= 0 && phase < s.forMs) return t - phase + s.forMs
    }
    return -1
  }

  private dispatch (it: Item): void {
    const nd = this.nodes[it.node]
    if (!nd.up) return
    if (it.kind === 'unstall') {
      if (it.at !== nd.unstallAt) return
      nd.unstallAt = -1
      // Node runs expired timers before it reads queued input
      const probe = nd.swim.currentProbe
      nd.swim.tick(this.now)
      if (probe !== undefined && nd.swim.outputs.broadcasts.some(b => b.t === 'suspect' && b.id === probe.target && b.from === nd.swim.id) &&
        nd.deferred.some(d => d.kind === 'direct' && d.msg.t === 'ack' && d.msg.seq === probe.seq)) this.stallAccusations++
      this.flush(it.node)
      const q = nd.deferred
      nd.deferred = []
      for (const d of q) this.deliver(it.node, d)
      this.schedule(it.node)
      return
    }
    if (it.kind === 'wake' && it.at !== nd.wakeAt) return
    const end = this.stallEnd(it.node, this.now)
    if (it.kind === 'refresh') {
      // a stalled peer's interval timer fires when its loop runs again
      this.push({ at: end >= 0 ? end : this.now + this.opts.refreshMs!, seq: 0, kind: 'refresh', node: it.node })
      if (end < 0) this.refresh(it.node)
      return
    }
    if (end >= 0) {
      if (it.kind !== 'wake') nd.deferred.push(it)
      else nd.wakeAt = Infinity
      if (nd.unstallAt !== end) {
        nd.unstallAt = end
        this.noteStall(it.node, end)
        this.push({ at: end, seq: 0, kind: 'unstall', node: it.node })
      }
      return
    }
    if (it.kind === 'wake') {
      nd.wakeAt = Infinity
      nd.swim.tick(this.now)
      this.flush(it.node)
    } else {
      this.deliver(it.node, it)
    }
    this.schedule(it.node)
  }

  /** Peer i's record refresh reaches the peers whose view of it is behind (see `SimOptions.refreshMs`). */
  private refresh (i: number): void {
    const viewers = this.behind.get(i)
    if (viewers === undefined) return
    const self = this.nodes[i].swim
    const msg = self.selfAlive()
    for (const k of [...viewers]) {
      const m = this.nodes[k].swim.members.peek(this.ids[i])
      if (m !== undefined && m.state === 'alive' && m.inc >= self.incarnation) { viewers.delete(k); continue }
      if (!this.nodes[k].up || !this.linked(i, k)) continue
      this.nodes[i].sent++
      const d = this.linkDelay()
      if (d < 0) continue
      this.push({ at: this.now + d, seq: 0, kind: 'gossip', node: k, from: i, msg })
    }
    if (viewers.size === 0) this.behind.delete(i)
  }

  /** Remember that peer i is stalled until `end` (its stall began `end - forMs` before, or now for a dynamic one). */
  private noteStall (i: number, end: number): void {
    const dyn = this.dynStall.get(i)
    let start = this.now
    if (dyn !== undefined && dyn[1] === end) start = dyn[0]
    else for (const s of this.stalls) if (s.node === i && s.atProbe !== true) start = Math.min(start, end - s.forMs)
    const h = this.stallHistory.get(i) ?? []
    if (h.length === 0 || h[h.length - 1][1] !== end) h.push([start, end])
    if (h.length > STALL_HISTORY) h.shift()
    this.stallHistory.set(i, h)
  }

  /** Was peer i stalled at some time in [from, to]? */
  stalledDuring (i: number, from: number, to: number): boolean {
    const h = this.stallHistory.get(i)
    if (h === undefined) return false
    for (let k = h.length - 1; k >= 0; k--) {
      const [a, b] = h[k]
      if (b < from) return false
      if (a <= to) return true
    }
    return false
  }

  private deliver (i: number, it: Item): void {
    const nd = this.nodes[i]
    if (it.kind === 'direct') nd.swim.receive(this.ids[it.from], it.msg, this.now)
    else if (it.kind === 'gossip') nd.swim.receiveGossip(this.ids[it.from], it.msg, this.now)
    this.flush(i)
  }

  private schedule (i: number): void {
    const nd = this.nodes[i]
    if (!nd.up || nd.unstallAt >= 0) return
    let d = nd.swim.nextDeadline()
    if (!Number.isFinite(d)) return
    if (d <= this.now) d = this.now + 1
    if (d < nd.wakeAt) {
      nd.wakeAt = d
      this.push({ at: d, seq: 0, kind: 'wake', node: i })
    }
  }

  private push (it: Item): void {
    it.seq = this.seq++
    this.heap.push(it)
  }

  private linked (a: number, b: number): boolean {
    return this.nodes[a].group === this.nodes[b].group
  }

  private randDelay (): number {
    const [lo, hi] = this.delay
    return lo + this.rnd() * (hi - lo)
  }

  /**
   * Delay of one message over a link, or -1 if it is lost: on a datagram link a loss loses it, on a stream each
   * loss costs a retransmission timeout (200 ms, doubling).
   */
  private linkDelay (): number {
    if (this.transport === 'datagram') return this.rnd() < this.loss ? -1 : this.randDelay()
    let extra = 0
    for (let k = 0; k < MAX_RETRANSMITS && this.rnd() < this.loss; k++) extra += TCP_RTO_MIN_MS * 2 ** k
    return extra + this.randDelay()
  }

  /** Send one point-to-point message from peer i to `to` over their link: delivered after the link's delay, or lost. */
  private overLink (i: number, to: string, item: (j: number) => Item): void {
    this.nodes[i].sent++
    const j = this.index.get(to)
    if (j === undefined || !this.linked(i, j)) return
    const d = this.linkDelay()
    if (d < 0) return
    const it = item(j)
    it.at = this.now + d
    this.push(it)
  }

  /** Carry out what peer i's state machine asked for. */
  private flush (i: number): void {
    const nd = this.nodes[i]
    const out = nd.swim.drain()
    for (const s of this.stalls) {
      if (s.node !== i || s.atProbe !== true || this.now < s.offsetMs) continue
      const next = this.nextDynWindow.get(i) ?? s.offsetMs
      if (this.now >= next && out.sends.some(x => x.msg.t === 'ping' && nd.swim.currentProbe?.seq === x.msg.seq)) {
        this.dynStall.set(i, [this.now, this.now + s.forMs])
        this.nextDynWindow.set(i, next + s.everyMs * Math.max(1, Math.ceil((this.now - next + 1) / s.everyMs)))
      }
    }
    for (const b of out.broadcasts) {
      if (b.t !== 'suspect' || b.from !== nd.swim.id) continue
      const start = this.probeStart.get(`${i}:${b.id}`)
      if (start !== undefined && this.stalledDuring(i, start, this.now)) this.stallOverlapAccusations++
    }
    const probe = nd.swim.currentProbe
    for (const s of out.sends) {
      if (s.msg.t === 'ping' && probe !== undefined && s.msg.seq === probe.seq) this.probeStart.set(`${i}:${s.to}`, this.now)
      this.overLink(i, s.to, j => ({ at: 0, seq: 0, kind: 'direct', node: j, from: i, msg: s.msg }))
    }
    // a peer's own record sent point to point (to an accuser): over the link, as a direct message
    for (const s of out.tells) this.overLink(i, s.to, j => ({ at: 0, seq: 0, kind: 'gossip', node: j, from: i, msg: s.msg }))
    for (const b of out.broadcasts) {
      const { arrivals, transmissions } = this.mesh.flood(i, this.now, {
        rnd: this.rnd,
        loss: this.transport === 'datagram' ? this.loss : 0,
        // the mesh model loses datagrams itself; on streams a loss is a retransmission delay
        delay: () => this.transport === 'datagram' ? this.randDelay() : this.linkDelay(),
        heartbeatMs: this.heartbeatMs,
        linked: (a, c) => this.linked(a, c),
        runnableAt: (k, t) => { const e = this.stallEnd(k, t); return e < 0 ? t : e },
        up: k => this.nodes[k].up
      })
      for (const k of transmissions) this.nodes[k].sent++
      this.onFlood?.(i, b, arrivals)
      for (const a of arrivals) this.push({ at: a.at, seq: 0, kind: 'gossip', node: a.node, from: i, msg: b })
    }
    for (const e of out.events) {
      if (this.opts.refreshMs !== undefined && (e.type === 'suspect' || e.type === 'dead')) {
        const subject = this.index.get(e.id)
        if (subject !== undefined) {
          let v = this.behind.get(subject)
          if (v === undefined) { v = new Set(); this.behind.set(subject, v) }
          v.add(i)
        }
      }
      if (this.onEvent !== undefined) this.onEvent({ at: this.now, observer: i, type: e.type, subject: this.index.get(e.id) ?? -1 })
    }
  }
}
