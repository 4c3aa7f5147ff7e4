/**
 * The libp2p adapter: drives the SWIM + Lifeguard state machine with real time, a stream protocol for probes and
 * full state exchanges (one long-lived stream per peer and direction, `links.ts`), gossipsub for records and
 * accusations, and a dialer for discovery and healing.
 */
import { peerDiscoverySymbol, TypedEventEmitter } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { decodeDirect, decodeGossip, encode, MAX_MESSAGE_BYTES } from './codec.js'
import { DEAD_PING_TIMEOUT_MS, FAST, LAN, LINK_PING_TIMEOUT_MS, MEMBERSHIP_STREAMS_PER_CONNECTION, RECORD_INTERVAL_MS, resolveConfig } from './defaults.js'
import { Dialer } from './dialer.js'
import { MEMBERSHIP_PROTOCOL, membershipTopic } from './libp2p-options.js'
import { Links } from './links.js'
import { LoadSampler, ZERO_LOAD } from './load.js'
import { REDUNDANT_CHECK_PERIODS, REDUNDANT_MIN_AGE_PERIODS, redundantConnections } from './redundant.js'
import { asRecord } from './record.js'
import type { RecordData } from './record.js'
import { jitter, recordIntervalMs } from './refresh.js'
import { Swim } from './swim.js'
import type { SwimConfig } from './defaults.js'
import type { Load } from './load.js'
import type { DirectMessage, GossipMessage, SwimEvent } from './messages.js'
import type { SwimMember } from './swim.js'
import type { Libp2p, Message, PeerId, PubSub } from '@libp2p/interface'

export type { Load }

/** What a peer-discovery service reports (libp2p's PeerInfo). */
interface DiscoveredPeer { id: PeerId, multiaddrs: Array<{ toString: () => string }> }
interface Listenable {
  addEventListener: (type: any, fn: any) => void
  removeEventListener: (type: any, fn: any) => void
}

export interface Member {
  peerId: string
  addrs: string[]
  state: 'alive' | 'suspect' | 'dead' | 'left'
  incarnation: number
  services: string[]
  load: Load
  meta: Record<string, string>
  self?: boolean
}

/** The member events, in one list (a membership node emits each with the member as `detail`). */
export const MEMBER_EVENTS = ['member:join', 'member:update', 'member:suspect', 'member:dead', 'member:leave'] as const

export type MemberEventType = typeof MEMBER_EVENTS[number]

export interface MembershipEvents {
  'member:join': CustomEvent<Member>
  'member:update': CustomEvent<Member>
  'member:suspect': CustomEvent<Member>
  'member:dead': CustomEvent<Member>
  'member:leave': CustomEvent<Member>
}

export interface MembershipOptions {
  /** cluster name: peers of other clusters are ignored (separate topic, envelopes checked) */
  cluster: string
  /** multiaddrs to dial until connected, and again whenever this peer's view empties */
  bootstrap?: string[]
  /** services this peer hosts */
  services?: string[]
  /** the RPC core's own load figures; this module adds event-loop delay, CPU and memory */
  load?: () => { inflight: number, latencyMs: number }
  /** free-form string metadata gossiped with the record */
  meta?: Record<string, string>
  /**
   * shortest period of the record refresh (load figures) on gossipsub, ms; changes of services or meta go out at
   * once. The period grows with the cluster beyond `recordBudgetPerSecond` members (see `refresh.ts`).
   * @default 1000 (T of the LAN profile; also used by the fast profile, whose T is shorter)
   */
  recordIntervalMs?: number
  /**
   * records per second that the whole cluster publishes by refresh: the period is
   * max(recordIntervalMs, min(recordMaxIntervalMs, members / budget seconds)). Infinity keeps it at `recordIntervalMs`.
   * @default 2 (RECORD_BUDGET_PER_SECOND)
   */
  recordBudgetPerSecond?: number
  /** longest period of the record refresh, ms (load older than 3 periods is ignored by the scaling advisor). @default 10000 (RECORD_MAX_INTERVAL_MS) */
  recordMaxIntervalMs?: number
  /** 'lan' (T = 1 s, memberlist LAN) or 'fast' (T = 500 ms, loopback and tests). @default 'lan' */
  profile?: 'lan' | 'fast'
  /** protocol timing, overriding the profile (see `SwimConfig` for each default) */
  timing?: Partial<SwimConfig>
  /**
   * Dial the peers that libp2p's peer discovery reports: every `peer` event of a discovery service among the libp2p
   * node's services (such as `@libp2p/mdns`, which `createNode` adds with `mdnsServiceTag(cluster)` when this is
   * on), each time it is reported (a peer that left and came back is dialled again), and libp2p's `peer:discovery`.
   * @default false
   */
  mdns?: boolean
  /** first dial retry delay, ms. @default 100 */
  dialBackoffBaseMs?: number
  /** longest dial retry delay, ms. @default 10000 (lan), 1000 (fast) */
  dialBackoffMaxMs?: number
  /** debug log name. @default 'peercall:membership' */
  log?: string
}

/** Dials of gossip-learned members are given up after this long, ms (peercall choice). */
export const LEARNED_DIAL_FOR_MS = 30_000
/** stop() waits at most this long for the leave notices to be written, ms. */
export const LEAVE_FLUSH_MS = 1000
/** Parallel dials of the dialer (libp2p's own queue has 100). */
export const DIAL_PARALLEL = 16

export class MembershipNode extends TypedEventEmitter<MembershipEvents> {
  readonly cluster: string
  readonly config: SwimConfig
  readonly topic: string
  private readonly libp2p: Libp2p<{ pubsub: PubSub }>
  private readonly opts: MembershipOptions
  private readonly log: ReturnType<typeof logger>
  private readonly selfId: string
  private swim: Swim | undefined
  private sampler: LoadSampler | undefined
  private dialer: Dialer | undefined
  private links: Links | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private periodTimer: ReturnType<typeof setTimeout> | undefined
  private redundantTimer: ReturnType<typeof setInterval> | undefined
  /** connections closed because another to the same peer was open and this one had no stream (redundant.ts) */
  private redundantClosed = 0
  private services: string[]
  private meta: Record<string, string>
  private load: Load = ZERO_LOAD
  private running = false
  private readonly listeners: Array<[Listenable, string, (e: any) => void]> = []
  /** addresses last written to the peer store, by peer */
  private readonly knownAddrs = new Map<string, string>()
  /** peers whose connections are being checked with a ping (`closeIfUnresponsive`) */
  private readonly pinging = new Set<string>()

  constructor (libp2p: Libp2p<{ pubsub: PubSub }>, opts: MembershipOptions) {
    super()
    if (typeof opts.cluster !== 'string' || opts.cluster.length === 0) throw new TypeError('membership: options.cluster is required')
    if (libp2p.services?.pubsub === undefined) throw new TypeError('membership: libp2p.services.pubsub (gossipsub) is required')
    this.libp2p = libp2p
    this.opts = opts
    this.cluster = opts.cluster
    this.topic = membershipTopic(opts.cluster)
    this.config = resolveConfig(opts.timing, opts.profile === 'fast' ? FAST : LAN)
    this.log = logger(opts.log ?? 'peercall:membership')
    this.selfId = libp2p.peerId.toString()
    this.services = [...(opts.services ?? [])]
    this.meta = { ...(opts.meta ?? {}) }
  }

  get peerId (): string { return this.selfId }

  async start (): Promise<void> {
    if (this.running) return
    this.running = true
    const now = performance.now()
    this.sampler = new LoadSampler(this.opts.load)
    this.load = this.sampler.sample()
    // a restarted peer comes back with a higher incarnation than any it had before (seconds since the epoch)
    this.swim = new Swim(this.selfId, this.config, now, { incarnation: Math.floor(Date.now() / 1000), data: this.record() })
    const links = new Links(this.libp2p, {
      protocol: MEMBERSHIP_PROTOCOL,
      openTimeoutMs: this.config.probeIntervalMs,
      maxFrameBytes: MAX_MESSAGE_BYTES,
      onFrame: (from, body) => { this.onFrame(from, body) },
      log: this.log
    })
    this.links = links
    await this.libp2p.handle(MEMBERSHIP_PROTOCOL, ({ stream, connection }) => { links.accept(stream, connection) }, {
      maxInboundStreams: MEMBERSHIP_STREAMS_PER_CONNECTION,
      maxOutboundStreams: MEMBERSHIP_STREAMS_PER_CONNECTION
    })
    const pubsub = this.libp2p.services.pubsub
    this.on(pubsub, 'message', (e: CustomEvent<Message>) => { this.onGossip(e.detail) })
    pubsub.subscribe(this.topic)
    this.on(this.libp2p, 'peer:connect', (e: CustomEvent<PeerId>) => { this.onConnect(e.detail.toString()) })
    this.on(this.libp2p, 'peer:disconnect', (e: CustomEvent<PeerId>) => { this.onDisconnect(e.detail.toString()) })
    if (this.opts.mdns === true) {
      const discovered = (e: CustomEvent<DiscoveredPeer>): void => { this.onDiscovered(e.detail) }
      this.on(this.libp2p, 'peer:discovery', discovered)
      for (const service of Object.values(this.libp2p.services as Record<string, unknown>)) {
        const discovery = (service as { [peerDiscoverySymbol]?: EventTarget } | undefined)?.[peerDiscoverySymbol]
        if (discovery !== undefined) this.on(discovery, 'peer', discovered)
      }
    }
    this.dialer = new Dialer(this.libp2p, {
      backoffBaseMs: this.opts.dialBackoffBaseMs ?? 100,
      backoffMaxMs: this.opts.dialBackoffMaxMs ?? (this.opts.profile === 'fast' ? 1000 : 10_000),
      parallel: DIAL_PARALLEL,
      log: this.log
    })
    this.dialer.start()
    this.redundantTimer = setInterval(() => { this.closeRedundant() }, REDUNDANT_CHECK_PERIODS * this.config.probeIntervalMs)
    this.redundantTimer.unref()
    this.wantBootstrap()
    this.swim.start()
    // peers already connected when we start: exchange state with them now
    for (const c of this.libp2p.getConnections()) this.onConnect(c.remotePeer.toString())
    this.armRefresh()
    this.pump()
  }

  /** Leave gracefully: the leave is broadcast and sent to every live member directly, then this peer goes quiet. */
  async stop (): Promise<void> {
    if (!this.running || this.swim === undefined) return
    const swim = this.swim
    swim.leave()
    const out = swim.drain()
    const notices: Array<Promise<unknown>> = []
    for (const b of out.broadcasts) {
      notices.push(this.publish(b))
      for (const m of swim.members.values()) {
        if (m.id !== this.selfId && (m.state === 'alive' || m.state === 'suspect')) notices.push(this.links?.sendOnce(m.id, encode(this.cluster, b), LEAVE_FLUSH_MS) ?? Promise.resolve(false))
      }
    }
    await Promise.race([Promise.allSettled(notices), delay(LEAVE_FLUSH_MS)])
    this.running = false
    clearTimeout(this.timer)
    clearTimeout(this.periodTimer)
    clearInterval(this.redundantTimer)
    this.dialer?.stop()
    this.sampler?.stop()
    for (const [target, type, fn] of this.listeners.splice(0)) target.removeEventListener(type, fn)
    try { this.libp2p.services.pubsub.unsubscribe(this.topic) } catch { /* libp2p may be stopping */ }
    try { await this.libp2p.unhandle(MEMBERSHIP_PROTOCOL) } catch { /* libp2p may be stopping */ }
    // the leave notices went out on streams of their own above: close the long-lived streams (queued frames go out first)
    await this.links?.close()
    this.links = undefined
  }

  /** Every member this peer knows of, itself included (`self: true`), tombstones (dead, left) too. */
  members (): Member[] {
    if (this.swim === undefined) return [this.self()]
    return [...this.swim.members.values()].map(m => this.toMember(m))
  }

  self (): Member {
    const m = this.swim?.members.get(this.selfId)
    if (m !== undefined) return this.toMember(m)
    return { peerId: this.selfId, addrs: this.addrs(), state: 'alive', incarnation: 0, services: [...this.services], load: this.load, meta: { ...this.meta }, self: true }
  }

  setServices (names: string[]): void {
    this.services = [...new Set(names)]
    this.republish()
  }

  setMeta (meta: Record<string, string>): void {
    this.meta = { ...meta }
    this.republish()
  }

  /** Access to the state machine, for tests and diagnostics. */
  get state (): Swim | undefined { return this.swim }

  // --- inputs ------------------------------------------------------------------------------------------

  private on (target: Listenable, type: string, fn: (e: any) => void): void {
    target.addEventListener(type, fn)
    this.listeners.push([target, type, fn])
  }

  /** A peer reported by discovery (mDNS): dial it unless it is this peer or already connected. */
  private onDiscovered (peer: DiscoveredPeer): void {
    if (!this.running) return
    const id = peer.id.toString()
    if (id === this.selfId || this.isConnected(id)) return
    const addrs = peer.multiaddrs.map(a => { const s = String(a); return s.includes('/p2p/') ? s : `${s}/p2p/${id}` })
    if (addrs.length > 0) this.dialer?.want(id, addrs, performance.now() + LEARNED_DIAL_FOR_MS, id)
  }

  private onGossip (msg: Message): void {
    if (!this.running || msg.topic !== this.topic || msg.type !== 'signed') return
    const from = msg.from.toString()
    if (from === this.selfId) return
    const g = decodeGossip(this.cluster, msg.data)
    if (g === undefined) return
    this.swim?.receiveGossip(from, g, performance.now())
    this.pump()
  }

  /** One frame of a membership stream (see `links.ts`). */
  private onFrame (from: string, bytes: Uint8Array): void {
    if (!this.running || this.swim === undefined) return
    const d = decodeDirect(this.cluster, bytes)
    if (d !== undefined) this.swim.receive(from, d, performance.now())
    else {
      // a peer's own record sent directly (its leave notice on stop(), its refutation to an accuser): authenticated
      // by the connection, and believed, as gossip is, only about its sender
      const g = decodeGossip(this.cluster, bytes)
      if (g !== undefined) this.swim.receiveGossip(from, g, performance.now())
    }
    this.pump()
  }

  private onConnect (peer: string): void {
    if (!this.running || this.swim === undefined || peer === this.selfId) return
    this.dialer?.drop(peer)
    // push-pull on every new connection: a newcomer gets the whole view at once, and a healed partition merges
    this.swim.sync(peer, true)
    this.pump()
  }

  private onDisconnect (peer: string): void {
    if (!this.running || this.swim === undefined) return
    // a closed connection is a reason to probe now, not a death
    this.swim.probeSoon(peer, performance.now())
    this.pump()
  }

  /** The period of the record refresh now (it grows with the cluster: see `refresh.ts`). */
  recordPeriodMs (): number {
    return recordIntervalMs(this.opts.recordIntervalMs ?? RECORD_INTERVAL_MS, this.swim?.liveCount() ?? 1, this.opts.recordBudgetPerSecond, this.opts.recordMaxIntervalMs)
  }

  private armRefresh (): void {
    this.periodTimer = setTimeout(() => { this.everyPeriod(); if (this.running) this.armRefresh() }, jitter(this.recordPeriodMs(), Math.random()))
    this.periodTimer.unref()
  }

  private everyPeriod (): void {
    if (!this.running || this.swim === undefined) return
    this.load = this.sampler?.sample() ?? ZERO_LOAD
    this.swim.setData(this.record())
    if (this.swim.liveCount() <= 1) this.wantBootstrap()
    this.pump()
  }

  private republish (): void {
    if (!this.running || this.swim === undefined) return
    this.swim.setData(this.record())
    this.pump()
  }

  // --- outputs -----------------------------------------------------------------------------------------

  /** Carry out what the state machine asked for and re-arm its timer. */
  private pump (): void {
    const swim = this.swim
    if (swim === undefined || !this.running) return
    const now = performance.now()
    if (now >= swim.nextDeadline()) swim.tick(now)
    const out = swim.drain()
    for (const s of out.sends) void this.sendDirect(s.to, s.msg)
    for (const b of out.broadcasts) void this.publish(b)
    for (const t of out.tells) void this.sendBytes(t.to, encode(this.cluster, t.msg))
    for (const e of out.events) this.emitEvent(e)
    // alive, yet silent on our own link to it: a cut link (a middlebox's lost state, a one-sided network fault)
    // leaves the TCP connection open while nothing passes, and every call and probe on it would wait; closed if it
    // does not answer a ping, so that the next call dials anew
    for (const id of out.answeredIndirectly) void this.closeIfUnresponsive(id, LINK_PING_TIMEOUT_MS)
    clearTimeout(this.timer)
    const wait = Math.max(0, Math.min(swim.nextDeadline(), now + this.config.probeIntervalMs) - performance.now())
    this.timer = setTimeout(() => { this.pump() }, wait)
    this.timer.unref()
  }

  private emitEvent (e: SwimEvent): void {
    const m = this.swim?.members.get(e.id)
    if (m === undefined) return
    const member = this.toMember(m)
    const now = performance.now()
    if (e.type === 'join' || e.type === 'update') {
      const key = member.addrs.join(' ')
      if (this.knownAddrs.get(member.peerId) !== key) { this.knownAddrs.set(member.peerId, key); this.learnAddrs(member) }
      if (e.type === 'join' && !this.isConnected(member.peerId) && member.addrs.length > 0) {
        this.dialer?.want(member.peerId, member.addrs, now + LEARNED_DIAL_FOR_MS, member.peerId)
      }
    } else if (e.type === 'dead') {
      // a connection to a member found dead may be a zombie (a cut network leaves TCP connections open,
      // retransmitting with a back-off that reaches tens of seconds), and the dialer, which skips connected peers,
      // would never re-dial it: the two sides would stay apart long after the network heals. It is closed if it does
      // not answer a ping; a member falsely accused (a forged or mistaken 'dead') answers, and keeps its connection
      void this.closeIfUnresponsive(member.peerId, DEAD_PING_TIMEOUT_MS)
      // keep re-dialling a dead member's addresses for as long as its tombstone lives: partitions heal
      if (member.addrs.length > 0) this.dialer?.want(member.peerId, member.addrs, now + this.config.tombstoneMs, member.peerId)
    } else if (e.type === 'leave') {
      this.dialer?.drop(member.peerId)
    }
    this.dispatchEvent(new CustomEvent(`member:${e.type}`, { detail: member }))
  }

  private async sendDirect (to: string, msg: DirectMessage): Promise<void> {
    const ok = await this.sendBytes(to, encode(this.cluster, msg))
    if (!ok && this.running && this.swim !== undefined) {
      this.swim.sendFailed(to, msg, performance.now())
      this.pump()
    }
  }

  /**
   * Write one message on the peer's long-lived stream (opened if needed); false when no stream could be opened,
   * it closed before taking the message, or the peer's queue was full.
   */
  private async sendBytes (to: string, bytes: Uint8Array): Promise<boolean> {
    const links = this.links
    if (links === undefined) return false
    const ok = await links.send(to, bytes)
    if (!ok) this.log.trace('send to %s failed', to)
    return ok
  }

  private async publish (msg: GossipMessage): Promise<void> {
    try {
      await this.libp2p.services.pubsub.publish(this.topic, encode(this.cluster, msg))
    } catch (err) {
      this.log.trace('publish failed: %s', (err as Error).message)
    }
  }

  // --- helpers -----------------------------------------------------------------------------------------

  /** Connections closed so far because another connection to the same peer was open and they had no stream. */
  get redundantConnectionsClosed (): number { return this.redundantClosed }

  /** Closes the connections that duplicate another to the same peer and carry no stream (redundant.ts). */
  private closeRedundant (): void {
    try {
      const conns = this.libp2p.getConnections()
      const views = conns.map(c => ({
        id: c.id,
        peer: c.remotePeer.toString(),
        streams: c.streams.length,
        openedAt: c.timeline.upgraded ?? c.timeline.open,
        status: c.status,
        limited: c.limits != null
      }))
      const close = new Set(redundantConnections(this.selfId, views, Date.now(), REDUNDANT_MIN_AGE_PERIODS * this.config.probeIntervalMs))
      if (close.size === 0) return
      for (const c of conns) {
        if (!close.has(c.id)) continue
        this.redundantClosed++
        this.log('closing connection %s to %p: it has no stream and another connection to the peer is open', c.id, c.remotePeer)
        void c.close().catch((err: Error) => { c.abort(err) })
      }
    } catch (err) {
      this.log.error('looking for redundant connections failed: %e', err)
    }
  }

  private wantBootstrap (): void {
    const until = performance.now() + 365 * 24 * 3600 * 1000
    for (const a of this.opts.bootstrap ?? []) {
      const id = peerOf(a)
      if (id === this.selfId) continue
      if (id !== undefined && this.isConnected(id)) continue
      this.dialer?.want(id ?? a, [a], until, id)
    }
  }

  /** Closes the connections to `peer` unless it answers a ping on them within `timeoutMs`; one check per peer at a time. */
  private async closeIfUnresponsive (peer: string, timeoutMs: number): Promise<void> {
    const pinger = (this.libp2p.services as { ping?: { ping: (peer: PeerId, options?: { signal?: AbortSignal }) => Promise<number> } }).ping
    if (pinger === undefined || this.pinging.has(peer) || !this.isConnected(peer)) return
    this.pinging.add(peer)
    const id = peerIdFromString(peer)
    try {
      await pinger.ping(id, { signal: AbortSignal.timeout(timeoutMs) })
    } catch {
      this.log('closing the connections to %s: no answer to a ping within %d ms', peer, timeoutMs)
      await this.libp2p.hangUp(id).catch(() => {})
    } finally {
      this.pinging.delete(peer)
    }
  }

  private isConnected (peer: string): boolean {
    return this.libp2p.getConnections().some(c => c.remotePeer.toString() === peer && c.status === 'open')
  }

  /** Tell the peer store where a member listens, so that probes can dial it. */
  private learnAddrs (m: Member): void {
    if (m.addrs.length === 0) return
    const mas = []
    for (const a of m.addrs) { try { mas.push(multiaddr(stripPeer(a))) } catch { /* skip */ } }
    if (mas.length === 0) return
    this.libp2p.peerStore.merge(peerIdFromString(m.peerId), { multiaddrs: mas }).catch(() => {})
  }

  private addrs (): string[] {
    return this.libp2p.getMultiaddrs().map(String)
  }

  private record (): RecordData {
    return { addrs: this.addrs(), services: [...this.services], meta: { ...this.meta }, load: this.load }
  }

  private toMember (m: SwimMember): Member {
    const d = asRecord(m.data)
    const member: Member = {
      peerId: m.id,
      addrs: d.addrs,
      state: m.state,
      incarnation: m.inc,
      services: d.services,
      load: d.load,
      meta: d.meta
    }
    if (m.id === this.selfId) member.self = true
    return member
  }
}

function peerOf (addr: string): string | undefined {
  const i = addr.lastIndexOf('/p2p/')
  return i >= 0 ? addr.slice(i + 5) : undefined
}

function stripPeer (addr: string): string {
  const i = addr.lastIndexOf('/p2p/')
  return i >= 0 ? addr.slice(0, i) : addr
}

function delay (ms: number): Promise<void> {
  return new Promise(resolve => { const t = setTimeout(resolve, ms); t.unref() })
}
