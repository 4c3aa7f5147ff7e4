/**
 * What the dashboard shows, gathered from one node: members, load, ring ownership per service, call rates and
 * outcome codes, recent membership events. `snapshot()` is the JSON pushed to the page over server-sent events.
 */
import { MEMBER_EVENTS } from '@peercall/membership'
import { ringPicture } from './ring.js'
import type { RingPicture } from './ring.js'
import type { CallRecord, Member, NodeStats, ObservedNode } from '../types.js'

/** Membership events kept for the page. */
export const EVENT_HISTORY = 50
/** Call-rate points kept for the sparkline (one per tick). */
export const RATE_HISTORY = 60
/** Rows of the methods table; calls to further methods are counted under '(other)'. */
export const MAX_METHOD_ROWS = 100
/** Ring pictures cached (one per service and member set). */
const RING_CACHE = 32


export interface MemberEvent {
  at: number
  type: string
  peerId: string
  incarnation: number
}

export interface RatePoint {
  at: number
  /** Calls this node made per second over the last tick. */
  calls: number
  /** Of which failed. */
  errors: number
  /** Calls this node served per second. */
  served: number
}

export interface Snapshot {
  at: number
  self: string
  cluster: string
  startedAt: number
  members: Array<Pick<Member, 'peerId' | 'addrs' | 'state' | 'incarnation' | 'services' | 'load' | 'self'>>
  rings: Record<string, RingPicture>
  rates: RatePoint[]
  /** Calls made here since start, by outcome code. */
  codes: Record<string, number>
  /** Calls served here since start, by outcome code. */
  servedCodes: Record<string, number>
  /** Calls made here since start, by service.method. */
  methods: Record<string, { calls: number, errors: number }>
  stats: NodeStats
  events: MemberEvent[]
}

export class DashboardState {
  private readonly node: ObservedNode
  private readonly startedAt = Date.now()
  private readonly events: MemberEvent[] = []
  private readonly rates: RatePoint[] = []
  private readonly codes: Record<string, number> = {}
  private readonly servedCodes: Record<string, number> = {}
  private readonly methods: Record<string, { calls: number, errors: number }> = {}
  private window = { calls: 0, errors: 0, served: 0, since: performance.now() }
  private readonly rings = new Map<string, RingPicture>()
  private readonly unobserve: () => void
  private readonly onMember: (e: Event) => void
  /** Told of each membership event (the server pushes a fresh snapshot). */
  onChange: (() => void) | undefined

  constructor (node: ObservedNode) {
    this.node = node
    this.unobserve = node.observeCalls(r => { this.record(r) })
    this.onMember = (e: Event) => {
      const m = (e as CustomEvent<Member>).detail
      if (e.type === 'member:update') return // load and service changes: shown by the next snapshot, not as events
      this.events.push({ at: Date.now(), type: e.type.slice('member:'.length), peerId: m.peerId, incarnation: m.incarnation })
      if (this.events.length > EVENT_HISTORY) this.events.splice(0, this.events.length - EVENT_HISTORY)
      this.onChange?.()
    }
    for (const type of MEMBER_EVENTS) node.addEventListener(type, this.onMember)
  }

  private record (r: CallRecord): void {
    if (r.side === 'server') {
      this.window.served++
      this.servedCodes[r.code] = (this.servedCodes[r.code] ?? 0) + 1
      return
    }
    this.window.calls++
    this.codes[r.code] = (this.codes[r.code] ?? 0) + 1
    const ok = r.code === 'OK'
    if (!ok) this.window.errors++
    // names of unknown services would grow this table without bound: they are counted under one row
    let key = r.code === 'NOT_FOUND' ? '(not found)' : `${r.service}.${r.method}`
    if (this.methods[key] === undefined && Object.keys(this.methods).length >= MAX_METHOD_ROWS) key = '(other)'
    const m = this.methods[key] ?? (this.methods[key] = { calls: 0, errors: 0 })
    m.calls++
    if (!ok) m.errors++
  }

  /** Closes the current rate window (call once per tick). */
  tick (): void {
    const now = performance.now()
    const secs = Math.max(0.001, (now - this.window.since) / 1000)
    this.rates.push({ at: Date.now(), calls: this.window.calls / secs, errors: this.window.errors / secs, served: this.window.served / secs })
    if (this.rates.length > RATE_HISTORY) this.rates.splice(0, this.rates.length - RATE_HISTORY)
    this.window = { calls: 0, errors: 0, served: 0, since: now }
  }

  private ring (service: string, peers: string[]): RingPicture {
    const key = service + '\n' + [...peers].sort().join(',')
    let pic = this.rings.get(key)
    if (pic === undefined) {
      pic = ringPicture(peers)
      if (this.rings.size >= RING_CACHE) this.rings.delete(this.rings.keys().next().value as string)
      this.rings.set(key, pic)
    }
    return pic
  }

  snapshot (): Snapshot {
    const members = this.node.members()
    const hosts = new Map<string, string[]>()
    for (const m of members) {
      if (m.state !== 'alive' && m.state !== 'suspect') continue
      for (const s of m.services) {
        const list = hosts.get(s) ?? []
        list.push(m.peerId)
        hosts.set(s, list)
      }
    }
    const rings: Record<string, RingPicture> = {}
    for (const [service, peers] of [...hosts].sort((a, b) => a[0] < b[0] ? -1 : 1)) rings[service] = this.ring(service, peers)
    return {
      at: Date.now(),
      self: this.node.peerId,
      cluster: this.node.cluster,
      startedAt: this.startedAt,
      members: members.map(m => ({ peerId: m.peerId, addrs: m.addrs, state: m.state, incarnation: m.incarnation, services: m.services, load: m.load, self: m.self })),
      rings,
      rates: this.rates,
      codes: this.codes,
      servedCodes: this.servedCodes,
      methods: this.methods,
      stats: this.node.stats(),
      events: this.events
    }
  }

  close (): void {
    this.unobserve()
    for (const type of MEMBER_EVENTS) this.node.removeEventListener(type, this.onMember)
  }
}
