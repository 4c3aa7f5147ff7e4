/**
 * The SWIM + Lifeguard state machine, sans-I/O: inputs are messages and clock readings, outputs are messages
 * to send, messages to broadcast and events. After hashicorp/memberlist `state.go` (probeNode, aliveNode,
 * suspectNode, deadNode, mergeState, refute), `suspicion.go` and `awareness.go`.
 *
 * The caller (libp2p adapter or simulator) must call `tick(now)` at or after `nextDeadline()`, feed every
 * received message to `receive` / `receiveGossip`, and then take the outputs with `drain()`.
 */
import { applyAwarenessDelta, failedProbeDelta, latenessDelta, scaleTimeout } from './awareness.js'
import { expectedConfirmations, healthScaledSuspicionTimeout, remainingSuspicionTime, suspicionTimeout } from './suspicion.js'
import { NACK_TIMEOUT_FRACTION } from './defaults.js'
import type { SwimConfig } from './defaults.js'
import { MemberTable } from './member-table.js'
import { orderOfRandomInserts } from './random-inserts.js'
import type { SharedView, SwimMember } from './member-table.js'
import type { DirectMessage, Entry, GossipMessage, SwimEvent } from './messages.js'

export type { SwimMember } from './member-table.js'

interface Suspicion {
  confirmations: Set<string>
  k: number
  minMs: number
  maxMs: number
  start: number
  /** Lifeguard's timeout from `start` (shrinking with confirmations), before this peer's health scales it */
  timeoutMs: number
  /** when the timer fires: `start` + the timeout scaled by the health score when last set */
  deadline: number
  /** already put off once because its timer fired late */
  late: boolean
}

interface Probe {
  target: string
  /** the target's incarnation when the probe started: a failure accuses that one (memberlist probes a copy) */
  inc: number
  seq: number
  start: number
  directDeadline: number
  deadline: number
  indirect: boolean
  expectedNacks: number
  nacks: number
  postponed: boolean
  /** the round-robin probe of this period (false: an extra probe because a connection closed) */
  regular: boolean
}

interface Relay {
  origin: string
  originSeq: number
  deadline: number
}

export interface Outputs {
  sends: Array<{ to: string, msg: DirectMessage }>
  broadcasts: GossipMessage[]
  /** gossip sent point to point: this peer's own record, to a peer that accused it */
  tells: Array<{ to: string, msg: GossipMessage }>
  events: SwimEvent[]
  /**
   * Members whose probe was answered only after its direct stage had timed out (through an intermediary, or late):
   * alive, but the direct link to them may be cut. The caller checks that link (the state machine has no I/O).
   */
  answeredIndirectly: string[]
}

export type Random = () => number

/** Counters for figures and tests. */
export interface SwimStats {
  sent: number
  broadcasts: number
  probes: number
  failedProbes: number
  refutations: number
  postponedTimers: number
  /** health score points added, by cause */
  penaltyNacks: number
  penaltyLate: number
  penaltyRefute: number
}

export class Swim {
  readonly id: string
  readonly config: SwimConfig
  readonly members = new MemberTable()
  readonly stats: SwimStats = { sent: 0, broadcasts: 0, probes: 0, failedProbes: 0, refutations: 0, postponedTimers: 0, penaltyNacks: 0, penaltyLate: 0, penaltyRefute: 0 }
  awareness = 0
  private readonly rnd: Random
  private self: SwimMember
  private leaving = false
  private seq = 0
  /** members alive or suspect, this peer excluded */
  private live = 0
  private probeList: string[] = []
  private probeIndex = 0
  private nextProbeAt: number
  private nextPushPullAt: number
  private nextReapAt: number
  /** probes in flight, by sequence number: at most one regular, plus extra ones for closed connections */
  private readonly probes = new Map<number, Probe>()
  private readonly relays = new Map<number, Relay>()
  private readonly suspicions = new Map<string, Suspicion>()
  /** when each member we hold suspect or dead was last told so because its own record came in (`noticeAccused`) */
  private readonly noticed = new Map<string, number>()
  /** when this peer last sent its own record straight to each peer that accused it (`answerAccuser`) */
  private readonly answered = new Map<string, number>()
  private out: Outputs = { sends: [], broadcasts: [], tells: [], events: [], answeredIndirectly: [] }

  constructor (id: string, config: SwimConfig, now: number, opts: { incarnation?: number, data?: unknown, random?: Random } = {}) {
    this.id = id
    this.config = config
    this.rnd = opts.random ?? Math.random
    this.self = { id, state: 'alive', inc: opts.incarnation ?? 0, ver: 0, data: opts.data, since: now }
    this.members.set(id, this.self)
    // a random phase so that peers started together do not probe in lockstep
    this.nextProbeAt = now + Math.floor(this.rnd() * config.probeIntervalMs)
    this.nextPushPullAt = now + config.pushPullIntervalMs
    this.nextReapAt = now + config.probeIntervalMs
  }

  /**
   * Start from a converged view shared with other state machines (the simulator's thousands of peers in one
   * process): the state that receiving `view` in one push-pull would give a peer that knows only itself, with the
   * same random draws, but without a copy of the view (see `MemberTable`). Every member of the view must be alive
   * and new here; no join events are emitted.
   */
  adoptView (view: SharedView): void {
    if (this.members.size !== 1 || this.probeList.length !== 0) throw new Error('adoptView: only on a state machine that knows only itself')
    this.members.adopt(view)
    const others = view.ids.filter(id => id !== this.id)
    // the probe order that inserting each member at a random offset (addToProbeList) gives, with the same draws
    const offsets = others.map((_, k) => Math.floor(this.rnd() * (k + 1)))
    this.probeList = orderOfRandomInserts(others, offsets)
    this.live += others.length
  }

  /** Announce this peer (its first alive record) and ask `seeds` for a full state exchange. */
  start (seeds: string[] = []): void {
    this.broadcast(this.selfAlive())
    for (const s of seeds) if (s !== this.id) this.sync(s, true)
  }

  /** Take (and clear) the outputs produced since the last call. */
  drain (): Outputs {
    const o = this.out
    this.out = { sends: [], broadcasts: [], tells: [], events: [], answeredIndirectly: [] }
    return o
  }

  /** Peek at the outputs without clearing them (the simulator reads them in place). */
  get outputs (): Outputs { return this.out }

  get incarnation (): number { return this.self.inc }
  /** The probe in flight, if any (diagnostics and the simulator). */
  get currentProbe (): { target: string, seq: number } | undefined {
    const p = this.regularProbe()
    return p === undefined ? undefined : { target: p.target, seq: p.seq }
  }
  get isLeaving (): boolean { return this.leaving }

  /** Estimated cluster size: members not dead or left, this peer included. */
  liveCount (): number { return this.live + 1 }

  /** Replace this peer's record payload (services, addresses, load...) and broadcast it. */
  setData (data: unknown): void {
    if (this.leaving) return
    this.self.data = data
    this.self.ver++
    this.broadcast(this.selfAlive())
  }

  selfAlive (): GossipMessage {
    return { t: 'alive', id: this.id, inc: this.self.inc, ver: this.self.ver, data: this.self.data }
  }

  /** Leave gracefully: broadcast `left` and stop probing. */
  leave (): void {
    if (this.leaving) return
    this.leaving = true
    this.self.state = 'left'
    this.broadcast({ t: 'left', id: this.id, inc: this.self.inc })
  }

  /** Full state exchange with `to` (on join, after a reconnection, when a partition heals). */
  sync (to: string, reply: boolean): void {
    this.send(to, { t: 'sync', entries: this.entries(), reply })
  }

  entries (): Entry[] {
    const e: Entry[] = []
    for (const m of this.members.values()) e.push({ id: m.id, state: m.state, inc: m.inc, ver: m.ver, data: m.data })
    return e
  }

  /** Probe `id` as soon as possible (a libp2p connection to it closed). */
  probeSoon (id: string, now: number): void {
    const m = this.members.peek(id)
    if (m === undefined || id === this.id || (m.state !== 'alive' && m.state !== 'suspect') || this.leaving) return
    for (const p of this.probes.values()) if (p.target === id) return
    // an extra probe, alongside the round-robin one: a closed connection is a reason to look now
    this.startProbe(m, now, false)
  }

  private regularProbe (): Probe | undefined {
    for (const p of this.probes.values()) if (p.regular) return p
    return undefined
  }

  /**
   * The transport could not deliver `msg` to `to` (no connection could be opened: refused, unreachable). Not a
   * death: a direct probe goes on to its indirect stage at once, and an intermediary's relayed ping becomes a nack
   * at once (Lifeguard), so that the prober hears back well before its deadline.
   */
  sendFailed (to: string, msg: DirectMessage, now: number): void {
    if (this.leaving || msg.t !== 'ping') return
    const p = this.probes.get(msg.seq)
    if (p !== undefined && p.target === to && !p.indirect) {
      p.directDeadline = now
      this.tick(now)
      return
    }
    const r = this.relays.get(msg.seq)
    if (r !== undefined) {
      this.relays.delete(msg.seq)
      if (this.config.lifeguard) this.send(r.origin, { t: 'nack', seq: r.originSeq })
    }
  }

  /** The earliest time at which `tick` has work to do. */
  nextDeadline (): number {
    if (this.leaving) return Infinity
    let d = Math.min(this.nextPushPullAt, this.nextReapAt)
    // while the regular probe is out, its own deadlines stand for the next probe time
    let regular = false
    for (const p of this.probes.values()) {
      d = Math.min(d, p.indirect ? p.deadline : p.directDeadline)
      if (p.regular) regular = true
    }
    if (!regular) d = Math.min(d, this.nextProbeAt)
    for (const r of this.relays.values()) if (r.deadline < d) d = r.deadline
    for (const s of this.suspicions.values()) if (s.deadline < d) d = s.deadline
    return d
  }

  /** Run the timers due at `now`. */
  tick (now: number): void {
    if (this.leaving) return
    for (const p of [...this.probes.values()]) {
      if (!p.indirect && now >= p.directDeadline) {
        if (!this.postpone(p, now, p.directDeadline)) {
          this.startIndirect(p, now)
          if (now >= p.deadline) {
            // both timers expired while the loop was blocked. Plain SWIM: they run before any input is read, so
            // the probe fails. Lifeguard: the indirect probes get their normal time, scaled by our health.
            if (this.config.lifeguard) p.deadline = now + scaleTimeout(this.config.probeTimeoutMs, this.awareness)
            else this.probeFailed(p, now)
          }
        }
      } else if (p.indirect && now >= p.deadline) {
        if (!this.postpone(p, now, p.deadline)) this.probeFailed(p, now)
      }
    }
    for (const [seq, r] of this.relays) {
      if (now >= r.deadline) {
        this.relays.delete(seq)
        if (this.config.lifeguard) this.send(r.origin, { t: 'nack', seq: r.originSeq })
      }
    }
    for (const [id, s] of this.suspicions) {
      if (now >= s.deadline) {
        // a health score that rose since the deadline was set gives the suspect more time (one that fell does not
        // bring the deadline forward: it is only looked at here)
        const due = s.start + this.scaledSuspicionTimeout(s)
        if (due > now) { s.deadline = due; continue }
        const late = now - s.deadline
        if (this.config.lifeguard && late >= this.config.latenessThresholdMs && !s.late) {
          // our loop stalled: read queued refutations before declaring anyone dead
          s.late = true
          this.noteLateness(late)
          s.deadline = Math.max(now + 1, s.start + this.scaledSuspicionTimeout(s))
          this.stats.postponedTimers++
          continue
        }
        this.suspicions.delete(id)
        const m = this.members.peek(id)
        if (m !== undefined && m.state === 'suspect') {
          const msg: GossipMessage = { t: 'dead', id, inc: m.inc, from: this.id }
          this.applyDead(id, m.inc, now)
          this.broadcast(msg)
        }
      }
    }
    if (this.regularProbe() === undefined && now >= this.nextProbeAt) {
      const target = this.nextTarget()
      if (target !== undefined) this.startProbe(target, now, true)
      else this.nextProbeAt = now + this.config.probeIntervalMs
    }
    if (now >= this.nextPushPullAt) {
      this.nextPushPullAt = now + this.config.pushPullIntervalMs
      const peer = this.randomAlive(new Set([this.id]))
      if (peer !== undefined) this.sync(peer, true)
    }
    if (now >= this.nextReapAt) {
      this.nextReapAt = now + this.config.probeIntervalMs
      // members other than this peer that are not live are the tombstones: none, nothing to reap
      if (this.members.size - 1 > this.live) {
        for (const [id, m] of this.members) {
          if ((m.state === 'dead' || m.state === 'left') && now - m.since >= this.config.tombstoneMs) { this.members.delete(id); this.noticed.delete(id) }
        }
      }
      for (const [id, at] of this.answered) if (now - at >= this.config.tombstoneMs) this.answered.delete(id)
    }
  }

  /** A point-to-point message from `from` (authenticated by the transport). */
  receive (from: string, msg: DirectMessage, now: number): void {
    if (this.leaving) return
    switch (msg.t) {
      case 'ping':
        if (msg.suspectInc !== undefined) {
          if (msg.suspectInc >= this.self.inc) this.refute(msg.suspectInc)
          this.answerAccuser(from, now)
        }
        this.send(from, { t: 'ack', seq: msg.seq })
        break
      case 'ack': {
        const p = this.probes.get(msg.seq)
        if (p !== undefined) {
          this.probes.delete(msg.seq)
          if (p.indirect) this.out.answeredIndirectly.push(p.target)
          else if (this.config.lifeguard) this.awareness = applyAwarenessDelta(this.awareness, -1, this.config.awarenessMaxMultiplier)
          return
        }
        const r = this.relays.get(msg.seq)
        if (r !== undefined) {
          this.relays.delete(msg.seq)
          this.send(r.origin, { t: 'ack', seq: r.originSeq })
        }
        break
      }
      case 'nack':
        { const p = this.probes.get(msg.seq); if (p !== undefined) p.nacks++ }
        break
      case 'ping-req': {
        if (msg.target === this.id) { this.send(from, { t: 'ack', seq: msg.seq }); break }
        const seq = ++this.seq
        this.relays.set(seq, { origin: from, originSeq: msg.seq, deadline: now + Math.floor(NACK_TIMEOUT_FRACTION * this.config.probeTimeoutMs) })
        this.send(msg.target, { t: 'ping', seq })
        break
      }
      case 'sync':
        this.merge(from, msg.entries, now)
        if (msg.reply) this.sync(from, false)
        break
    }
  }

  /** A broadcast message; `from` is its signed origin (gossipsub's `from` under strict signing). */
  receiveGossip (from: string, msg: GossipMessage, now: number): void {
    if (this.leaving) return
    switch (msg.t) {
      case 'alive':
        if (from !== msg.id) return // a record is believed only from its subject
        this.applyAlive(msg.id, msg.inc, msg.ver, msg.data, now)
        break
      case 'left':
        if (from !== msg.id) return
        this.applyLeft(msg.id, msg.inc, now)
        break
      case 'suspect':
        if (from !== msg.from) return // an accusation is believed only from the accuser it names
        this.applySuspect(msg.id, msg.inc, msg.from, now)
        break
      case 'dead':
        if (from !== msg.from) return
        if (msg.id === this.id) {
          this.refute(msg.inc)
          this.answerAccuser(from, now)
          return
        }
        this.applyDead(msg.id, msg.inc, now)
        break
    }
  }

  // --- probing -------------------------------------------------------------------------------------------

  private nextTarget (): Readonly<SwimMember> | undefined {
    for (let tries = 0; tries <= this.probeList.length; tries++) {
      if (this.probeIndex >= this.probeList.length) {
        this.probeList = [...this.members.values()].filter(m => m.id !== this.id && (m.state === 'alive' || m.state === 'suspect')).map(m => m.id)
        this.shuffle(this.probeList)
        this.probeIndex = 0
        if (this.probeList.length === 0) return undefined
      }
      const m = this.members.peek(this.probeList[this.probeIndex++])
      if (m !== undefined && (m.state === 'alive' || m.state === 'suspect')) return m
    }
    return undefined
  }

  private startProbe (m: Readonly<SwimMember>, now: number, regular: boolean): void {
    const interval = this.config.lifeguard ? scaleTimeout(this.config.probeIntervalMs, this.awareness) : this.config.probeIntervalMs
    const seq = ++this.seq
    this.probes.set(seq, {
      target: m.id,
      inc: m.inc,
      seq,
      start: now,
      directDeadline: now + this.config.probeTimeoutMs,
      deadline: now + interval,
      indirect: false,
      expectedNacks: 0,
      nacks: 0,
      postponed: false,
      regular
    })
    if (regular) this.nextProbeAt = now + interval
    this.stats.probes++
    const ping: DirectMessage = { t: 'ping', seq }
    // Lifeguard's buddy system: tell a suspect that it is suspected, so it refutes at once
    if (this.config.lifeguard && m.state === 'suspect') ping.suspectInc = m.inc
    this.send(m.id, ping)
  }

  private startIndirect (p: Probe, now: number): void {
    p.indirect = true
    p.postponed = false
    const exclude = new Set([this.id, p.target])
    for (let i = 0; i < this.config.indirectChecks; i++) {
      const peer = this.randomAlive(exclude)
      if (peer === undefined) break
      exclude.add(peer)
      p.expectedNacks++
      this.send(peer, { t: 'ping-req', seq: p.seq, target: p.target })
    }
  }

  private probeFailed (p: Probe, now: number): void {
    this.probes.delete(p.seq)
    this.stats.failedProbes++
    if (this.config.lifeguard) {
      const delta = failedProbeDelta(p.expectedNacks, p.nacks)
      this.stats.penaltyNacks += delta
      this.awareness = applyAwarenessDelta(this.awareness, delta, this.config.awarenessMaxMultiplier)
    }
    const m = this.members.peek(p.target)
    if (m === undefined || (m.state !== 'alive' && m.state !== 'suspect')) return
    // the incarnation probed, not the current one: a member that refuted, or died and came back, while the probe
    // was out has answered for its new incarnation elsewhere, and this failure says nothing about it
    this.applySuspect(m.id, p.inc, this.id, now)
  }

  /**
   * A member we hold suspect or dead at incarnation i has just sent its own record at i: it is running and has not
   * heard of the accusation (it would have refuted with a higher incarnation). Tell it, as Lifeguard's buddy system
   * tells a suspect in the pings of a probe: one ping carrying the accusation, at most once per probe period per
   * member; it refutes and the refutation clears the accusation everywhere. Without this, a suspicion whose gossip
   * missed its subject lasted until some holder of it happened to probe the subject (once per N periods each), and
   * at N = 1000 with 10% lost messages a healthy peer was declared dead. The ack (unknown sequence) is ignored.
   */
  private noticeAccused (m: Readonly<SwimMember>, now: number): void {
    const last = this.noticed.get(m.id)
    if (last !== undefined && now - last < this.config.probeIntervalMs) return
    this.noticed.set(m.id, now)
    this.send(m.id, { t: 'ping', seq: ++this.seq, suspectInc: m.inc })
  }

  /**
   * `accuser` holds this peer suspect or dead (it said so, or pinged it as a suspect): send it this peer's own record
   * straight away, at most once per probe period per accuser, also when the accusation is already refuted. A
   * refutation is gossiped, but gossip reaches each peer after a few hops, and an accuser whose suspicion expires
   * first declares a healthy peer dead and tells everyone; on a loaded machine the refutation reached observers
   * seconds apart. Sent point to point, it is authenticated by the connection, as gossip is by its signature.
   */
  private answerAccuser (accuser: string, now: number): void {
    if (accuser === this.id || this.leaving) return
    const last = this.answered.get(accuser)
    if (last !== undefined && now - last < this.config.probeIntervalMs) return
    this.answered.set(accuser, now)
    this.out.tells.push({ to: accuser, msg: this.selfAlive() })
  }

  /** Lifeguard's suspicion timeout of `s`, scaled by this peer's health score (`healthScaledSuspicionTimeout`). */
  private scaledSuspicionTimeout (s: Suspicion): number {
    return this.config.lifeguard ? healthScaledSuspicionTimeout(s.timeoutMs, this.awareness, s.maxMs) : s.timeoutMs
  }

  /**
   * Lifeguard: a probe timer that fires late means our own loop stalled, and an ack may be waiting unread.
   * Put the decision off by one turn and raise the health score. Returns true when postponed.
   */
  private postpone (p: Probe, now: number, due: number): boolean {
    if (!this.config.lifeguard || p.postponed) return false
    const late = now - due
    if (late < this.config.latenessThresholdMs) return false
    p.postponed = true
    this.noteLateness(late)
    this.stats.postponedTimers++
    if (p.indirect) p.deadline = now + 1
    else p.directDeadline = now + 1
    return true
  }

  private noteLateness (lateMs: number): void {
    // one point per late decision: a busy shared machine delays timers now and then, a stall delays them a lot
    const d = latenessDelta(lateMs, this.config.latenessThresholdMs, 1)
    this.stats.penaltyLate += d
    if (d > 0) this.awareness = applyAwarenessDelta(this.awareness, d, this.config.awarenessMaxMultiplier)
  }

  // --- state changes (memberlist aliveNode / suspectNode / deadNode) ---------------------------------------

  private applyAlive (id: string, inc: number, ver: number, data: unknown, now: number): void {
    if (id === this.id) {
      // someone claims to be us with a newer incarnation (we restarted): take over with a higher one
      if (inc > this.self.inc || (inc === this.self.inc && ver > this.self.ver)) this.refute(inc)
      return
    }
    const m = this.members.peek(id)
    if (m === undefined) {
      const nm: SwimMember = { id, state: 'alive', inc, ver, data, since: now }
      this.members.set(id, nm)
      this.live++
      this.addToProbeList(id)
      this.emit('join', id)
      return
    }
    if (inc < m.inc) return
    if (inc === m.inc) {
      if (m.state === 'suspect' || m.state === 'dead') this.noticeAccused(m, now)
      if (m.state === 'dead' || m.state === 'left') return
      if (ver > m.ver) { const w = this.members.get(id)!; w.ver = ver; w.data = data; this.emit('update', id) }
      return
    }
    this.noticed.delete(id)
    const w = this.members.get(id)!
    const was = w.state
    w.inc = inc
    if (ver !== w.ver || data !== undefined) { w.ver = ver; w.data = data }
    this.suspicions.delete(id)
    if (was !== 'alive') { w.state = 'alive'; w.since = now }
    if (was === 'dead' || was === 'left') { this.live++; this.addToProbeList(id); this.emit('join', id) } else this.emit('update', id)
  }

  private applySuspect (id: string, accusedInc: number, from: string, now: number): void {
    if (id === this.id) {
      if (accusedInc >= this.self.inc) this.refute(accusedInc)
      this.answerAccuser(from, now)
      return
    }
    const m = this.members.peek(id)
    if (m === undefined) return
    const inc = clampAccusation(accusedInc, m.inc)
    if (inc < m.inc) return
    const s = this.suspicions.get(id)
    if (s !== undefined && m.state === 'suspect' && inc === m.inc) {
      // Lifeguard: an independent confirmation shortens the timeout
      if (!this.config.lifeguard || s.confirmations.has(from) || s.confirmations.size - 1 >= s.k) return
      s.confirmations.add(from)
      if (from === this.id) this.broadcast({ t: 'suspect', id, inc, from })
      const elapsed = now - s.start
      s.timeoutMs = elapsed + remainingSuspicionTime(s.confirmations.size - 1, s.k, elapsed, s.minMs, s.maxMs)
      s.deadline = Math.max(now, s.start + this.scaledSuspicionTimeout(s))
      return
    }
    if (m.state !== 'alive' && !(m.state === 'suspect' && inc > m.inc)) return
    const w = this.members.get(id)!
    w.inc = inc
    w.state = 'suspect'
    w.since = now
    const n = this.liveCount()
    const minMs = suspicionTimeout(this.config.suspicionMult, n, this.config.probeIntervalMs)
    const k = this.config.lifeguard ? expectedConfirmations(this.config.suspicionMult, n) : 0
    const maxMs = this.config.lifeguard ? this.config.suspicionMaxTimeoutMult * minMs : minMs
    const timeoutMs = k < 1 ? minMs : maxMs
    const fresh: Suspicion = { confirmations: new Set([from]), k, minMs, maxMs, start: now, timeoutMs, deadline: now, late: false }
    fresh.deadline = now + this.scaledSuspicionTimeout(fresh)
    this.suspicions.set(id, fresh)
    if (from === this.id) this.broadcast({ t: 'suspect', id, inc, from })
    this.emit('suspect', id)
  }

  private applyDead (id: string, accusedInc: number, now: number): void {
    const m = this.members.peek(id)
    if (m === undefined) return
    const inc = clampAccusation(accusedInc, m.inc)
    if (inc < m.inc || m.state === 'dead' || m.state === 'left') return
    const w = this.members.get(id)!
    w.inc = inc
    w.state = 'dead'
    w.since = now
    this.live--
    this.suspicions.delete(id)
    this.emit('dead', id)
  }

  private applyLeft (id: string, inc: number, now: number): void {
    if (id === this.id) return
    const m = this.members.peek(id)
    if (m === undefined) {
      this.members.set(id, { id, state: 'left', inc, ver: 0, data: undefined, since: now })
      return
    }
    if (inc < m.inc || m.state === 'left') return
    if (m.state !== 'dead') this.live--
    const w = this.members.get(id)!
    w.inc = inc
    w.state = 'left'
    w.since = now
    this.suspicions.delete(id)
    this.emit('leave', id)
  }

  /** memberlist `refute`: raise our incarnation above the accusation and broadcast it. */
  private refute (accusedInc: number): void {
    if (this.leaving) return
    this.self.inc = Math.max(this.self.inc, clampAccusation(accusedInc, this.self.inc)) + 1
    this.stats.refutations++
    if (this.config.lifeguard) {
      this.stats.penaltyRefute++
      this.awareness = applyAwarenessDelta(this.awareness, 1, this.config.awarenessMaxMultiplier)
    }
    this.broadcast(this.selfAlive())
  }

  /**
   * memberlist `mergeState`: a remote `dead` becomes a suspicion by the sender, not an instant death.
   *
   * A record is believed only from its subject, here as in gossip: the sender's entry about itself is applied in
   * full; an entry about a third party only teaches this peer of a member it does not know yet (so a newcomer
   * learns the whole membership at once; the member's own signed record follows within a record period) or
   * carries the sender's accusation. It never changes what this peer knows of a member from that member, so one
   * peer cannot rewrite another's services or addresses, revive it, or have it leave.
   */
  private merge (from: string, entries: Entry[], now: number): void {
    for (const e of entries) {
      if (e.id === this.id) {
        if (e.state === 'suspect' || e.state === 'dead') {
          if (e.inc >= this.self.inc) this.refute(e.inc)
          this.answerAccuser(from, now)
        } else if (e.state === 'alive' && e.inc > this.self.inc) this.refute(e.inc)
        continue
      }
      const m = this.members.peek(e.id)
      if (m !== undefined && m.state === e.state && m.inc === e.inc && m.ver >= e.ver) continue
      const own = e.id === from
      switch (e.state) {
        case 'alive':
          if (own || m === undefined) this.applyAlive(e.id, e.inc, e.ver, e.data, now)
          break
        case 'left':
          if (own || m === undefined) this.applyLeft(e.id, e.inc, now)
          break
        case 'suspect':
        case 'dead':
          if (m === undefined) {
            // learn of it as a member first; the accusation is then the sender's
            this.applyAlive(e.id, e.inc, e.ver, e.data, now)
          }
          this.applySuspect(e.id, e.inc, from, now)
          break
      }
    }
  }

  // --- helpers -------------------------------------------------------------------------------------------

  private addToProbeList (id: string): void {
    // insert at a random offset (memberlist aliveNode), so that new members are not all probed last
    const i = Math.floor(this.rnd() * (this.probeList.length + 1))
    this.probeList.splice(i, 0, id)
    if (i < this.probeIndex) this.probeIndex++
  }

  private randomAlive (exclude: Set<string>): string | undefined {
    const list = this.probeList
    if (list.length === 0) return undefined
    for (let tries = 0; tries < 32; tries++) {
      const id = list[Math.floor(this.rnd() * list.length)]
      if (exclude.has(id)) continue
      const m = this.members.peek(id)
      if (m !== undefined && m.state === 'alive') return id
    }
    for (const id of list) {
      if (exclude.has(id)) continue
      if (this.members.peek(id)?.state === 'alive') return id
    }
    return undefined
  }

  private shuffle (a: string[]): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.rnd() * (i + 1))
      const t = a[i]; a[i] = a[j]; a[j] = t
    }
  }

  private send (to: string, msg: DirectMessage): void {
    this.stats.sent++
    this.out.sends.push({ to, msg })
  }

  private broadcast (msg: GossipMessage): void {
    this.stats.broadcasts++
    this.out.broadcasts.push(msg)
  }

  private emit (type: SwimEvent['type'], id: string): void {
    this.out.events.push({ type, id })
  }
}

/**
 * The incarnation at which an accusation is taken: at most one above the accused's incarnation as known here. A
 * member's incarnation rises by one per refutation, so an honest accuser's figure is rarely beyond that, and a
 * hostile one cannot push it out of reach (at Number.MAX_SAFE_INTEGER no refutation could beat it).
 */
export function clampAccusation (accusedInc: number, knownInc: number): number {
  return Math.min(accusedInc, knownInc + 1)
}
