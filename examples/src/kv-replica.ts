/**
 * A replicated key-value store over fixed replica sets, in the manner of Dynamo with strict quorums (docs/kv.md
 * states its consistency model). Every peer hosts the same service `ReplicatedKV`; clients call it with
 * `balance: 'hash', key` (`kvClient`), and the peer a call lands on coordinates it.
 *
 * - placement: a key's preference list is its owner and two successors on a hash ring of the store's roster
 *   (every member that hosts the store and has not left: dead and suspect members keep their place), so both
 *   sides of a partition agree on it (kv-placement.ts).
 * - put: the coordinator stamps the value with its hybrid logical clock and sends it to the preference list;
 *   it answers once W = 2 owners hold it. An owner accepts a copy only if it is newer than the one it holds
 *   (else it answers with its version and the coordinator re-stamps above it), and only versions at most 500 ms
 *   ahead of its own clock (kv-version.ts). No sloppy quorum, no hinted handoff: a put whose preference list has
 *   fewer than W reachable owners fails UNAVAILABLE, at once (unrun) when fewer than W are up in the
 *   coordinator's view (alive in membership and not silent to it: kv-silence.ts), so the client's router moves
 *   on to a coordinator that can reach them (the other side of a partition), as a Cassandra coordinator answers
 *   UnavailableException before it sends anything.
 * - get: the coordinator asks the preference list and answers on the first R = 2 copies, returning the newest
 *   and writing it back to the copies that were older before it answers (read repair). R + W > N. Fewer than R
 *   owners up in the coordinator's view: UNAVAILABLE at once, as for a put. The client hedges a get after 150 ms.
 * - catching up: a started or restarted peer (memory lost) pulls from the other owners before its copies count
 *   (kv-recovery.ts); anti-entropy every 5 s pushes every key to its owners and hands over keys a peer no longer
 *   owns.
 * - hostile input: replication methods answer members of the roster only (RegisterOptions.authorize); every
 *   version received is checked (finite integers, not far in the future); keys are bounded strings.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { HybridClock, RpcError, callContext } from '@peercall/core'
import { Roster } from './kv-placement.js'
import { Recovery } from './kv-recovery.js'
import { MAX_CLOCK_OFFSET_MS, checkEntry, compareVersions, newer } from './kv-version.js'
import { PeerOffsets } from './kv-offsets.js'
import { Silence } from './kv-silence.js'
import type { Entry, Version } from './kv-version.js'
import type { AuthorizeRequest, PeercallNode } from '@peercall/core'

export { newer, compareVersions, checkVersion, MAX_CLOCK_OFFSET_MS } from './kv-version.js'
export type { Entry, Version } from './kv-version.js'

export const KV_SERVICE = 'ReplicatedKV'
/** PEERCALL_KV_TRACE=1: one line per get, put and hand-off on stderr (fault tests read them). */
const trace = process.env.PEERCALL_KV_TRACE === '1' ? (line: string): void => { process.stderr.write(`${Date.now()} ${line}\n`) } : undefined
const v = (x: Version | undefined): string => x === undefined ? '-' : `${x.wall}.${x.logical}.${x.by.slice(-4)}`
/** Copies of each key, N (Dynamo's and Cassandra's usual 3). */
export const DEFAULT_REPLICAS = 3
/** Owners that must hold a write before it is acknowledged, W (a majority of 3). */
export const DEFAULT_WRITE_QUORUM = 2
/** Owners whose copies a read waits for, R (R + W > N: a read meets every acknowledged write). */
export const DEFAULT_READ_QUORUM = 2
/**
 * Deadline of one copy sent or fetched during a put or get, ms: well under the client's 2 s budget, so that a
 * coordinator short of R or W live owners gives up in time for the client to try another. One frozen owner costs
 * nothing (the answer comes from the first R or W owners that reply); 400 ms failed reads on a loaded 2-core
 * machine when a SIGKILL made every peer busy at once.
 */
export const COPY_TIMEOUT_MS = 700
/** Deadline of one pull or anti-entropy batch, ms. */
export const SYNC_TIMEOUT_MS = 2000
/** Quiet time after the last membership change before a rebalance, ms. */
export const REBALANCE_DEBOUNCE_MS = 300
/** Anti-entropy and catch-up period, ms. */
export const REBALANCE_INTERVAL_MS = 5000
/** Stamping rounds of one put when owners hold newer versions (concurrent writers, a lagging clock). */
const PUT_ROUNDS = 3
/** Entries per replicate call. */
const COPY_BATCH = 500
/** Most peer ids taken from another peer's roster when catching up. */
const MAX_ROSTER = 10_000
/** Longest key accepted, characters. */
export const MAX_KEY_LENGTH = 1024
/** Methods any caller may call; the others (replicate, copy, pull) answer the store's members only. */
const PUBLIC_METHODS = new Set(['put', 'get', 'entry', 'size', 'keys', 'stats', 'status'])

export interface ReplicatedKvOptions {
  replicas?: number
  writeQuorum?: number
  readQuorum?: number
  /** Physical clock for versions, ms. @default Date.now */
  now?: () => number
  /** Accepted offset of a received version ahead of this clock, ms. @default MAX_CLOCK_OFFSET_MS */
  maxClockOffsetMs?: number
  /** Time after start before this peer coordinates, ms. @default SETTLE_MS (kv-recovery.ts) */
  settleMs?: number
  /**
   * This peer's identity is new, so it never held copies (kv-recovery.ts). A restart with an existing identity
   * file is not fresh. @default false
   */
  freshIdentity?: boolean
}

export interface PutResult {
  version: Version
  /** Owners holding the value when the put was acknowledged. */
  copies: number
}

/** An owner's answer to one copy: stored (or already held), or why not. */
export interface CopyResult {
  ok: boolean
  reason?: 'newer' | 'not-owner' | 'recovering' | 'clock-offset'
  /** With 'newer': the version the owner holds. */
  newer?: Version
}

export interface KvStatus {
  ready: boolean
  keys: number
  roster: number
  /** Roster members this peer sees alive (itself included). */
  alive: number
}

export class ReplicatedKeyValue {
  private readonly data = new Map<string, Entry>()
  private readonly node: PeercallNode
  private readonly replicas: number
  private readonly writeQuorum: number
  private readonly readQuorum: number
  private readonly now: () => number
  private readonly maxOffsetMs: number
  private readonly clock: HybridClock
  /** how far other peers' clocks are known to run ahead of this one (from the send times on their copies) */
  private readonly offsets = new PeerOffsets()
  /** which owners have left this peer's copy requests unanswered for a copy timeout (kv-silence.ts) */
  private readonly silence = new Silence(COPY_TIMEOUT_MS)
  /** silent owners with a probe under way */
  private readonly probing = new Set<string>()
  private readonly roster: Roster
  private readonly recovery: Recovery
  private readonly self: string
  private timer: ReturnType<typeof setTimeout> | undefined
  private interval: ReturnType<typeof setInterval> | undefined
  private readonly listeners: Array<[string, () => void]> = []
  private rebalancing = false
  private again = false
  private detached = false
  readonly counters = {
    copied: 0, handedOff: 0, rebalances: 0, readRepairs: 0, pulls: 0,
    /** Received versions refused for being too far ahead of this clock. */
    clockRejects: 0,
    /** Calls to replication methods refused for coming from a non-member. */
    refused: 0,
    /** Puts and gets refused unrun because fewer than W or R of the key's owners were alive in this peer's view. */
    ownersDown: 0
  }

  constructor (node: PeercallNode, options: ReplicatedKvOptions = {}) {
    this.node = node
    this.self = node.peerId
    this.replicas = options.replicas ?? DEFAULT_REPLICAS
    this.writeQuorum = options.writeQuorum ?? DEFAULT_WRITE_QUORUM
    this.readQuorum = options.readQuorum ?? DEFAULT_READ_QUORUM
    this.now = options.now ?? Date.now
    this.maxOffsetMs = options.maxClockOffsetMs ?? MAX_CLOCK_OFFSET_MS
    this.clock = new HybridClock({ now: this.now, maxDriftMs: this.maxOffsetMs })
    this.roster = new Roster(this.self, KV_SERVICE)
    this.recovery = new Recovery(this.self, Date.now(), options.settleMs, options.freshIdentity === true, this.now() + 2 * this.maxOffsetMs)
  }

  /** Registers the service and starts watching membership for catch-up, anti-entropy and hand-off. */
  attach (): this {
    // only these methods are callable: the class's own helpers (rebalance, detach, ...) stay local
    const service = {
      put: async (key: string, value: unknown, notAfter?: number) => await this.put(key, value, notAfter),
      get: async (key: string) => await this.get(key),
      entry: (key: string) => this.entry(key),
      copy: (key: string) => this.copy(key),
      replicate: (entries: Array<[string, Entry]>, sentAt?: number) => this.replicate(entries, sentAt),
      pull: () => this.pull(),
      size: () => this.size(),
      keys: () => this.keys(),
      stats: () => this.stats(),
      status: () => this.status()
    }
    this.node.register(KV_SERVICE, service, {
      idempotent: ['get', 'entry', 'copy', 'replicate', 'pull', 'size', 'keys', 'stats', 'status'],
      authorize: req => this.authorize(req)
    })
    for (const type of ['member:join', 'member:dead', 'member:leave', 'member:update', 'member:suspect']) {
      const fn = (): void => { this.refreshRoster(); if (type !== 'member:update' && type !== 'member:suspect') this.schedule() }
      this.node.addEventListener(type, fn)
      this.listeners.push([type, fn])
    }
    this.refreshRoster()
    this.schedule()
    this.interval = setInterval(() => { this.schedule() }, REBALANCE_INTERVAL_MS)
    this.interval.unref()
    return this
  }

  detach (): void {
    this.detached = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    if (this.interval !== undefined) clearInterval(this.interval)
    for (const [type, fn] of this.listeners.splice(0)) this.node.removeEventListener(type, fn)
  }

  /** The key's preference list: its owner and successors on the roster's ring. */
  owners (key: string): string[] {
    return this.roster.owners(key, this.replicas)
  }

  // ---------------------------------------------------------------- the service's methods

  /**
   * `notAfter` (ms since the epoch, optional): the client's deadline as its clock reads it. A put that reaches its
   * coordinator later (it sat in the queue of a frozen peer, say) is refused unrun: by then the client has given
   * up and may have written newer values, which this one would overwrite (a deadline sent as a relative timeout
   * starts afresh when the frozen peer reads the request).
   */
  async put (key: string, value: unknown, notAfter?: number): Promise<PutResult> {
    checkKey(key)
    const late = (): boolean => typeof notAfter === 'number' && Date.now() > notAfter
    if (late()) throw new RpcError('DEADLINE_EXCEEDED', `put ${key}: arrived after the client's deadline`, { mayHaveExecuted: false })
    const owners = this.owners(key)
    this.requireOwners(`put ${key}`, owners, this.requireReady(`put ${key}`), this.writeQuorum)
    const ctx = callContext()
    const expired = (): boolean => late() || (ctx !== undefined && (ctx.signal.aborted || (ctx.deadline !== undefined && Date.now() >= ctx.deadline)))
    let floor: Version | undefined
    let outcome: Tally | undefined
    for (let round = 0; round < PUT_ROUNDS; round++) {
      const entry: Entry = { value, version: this.stamp(floor) }
      outcome = await this.writeQuorum_(owners, key, entry)
      trace?.(`put ${key} ${String(value)} ${v(entry.version)} round ${round} acks ${outcome.acks} ${JSON.stringify(outcome.reasons)} newer ${v(outcome.newer)}`)
      if (outcome.acks >= this.writeQuorum) return { version: entry.version, copies: outcome.acks }
      // another round only for the call the client still waits for: a put that outlived its deadline (its
      // coordinator was frozen, say) must not stamp its value above the writes the client has made since
      if (outcome.newer === undefined || expired()) break
      floor = outcome.newer
    }
    const why = outcome === undefined ? '' : describe(outcome)
    throw new RpcError('UNAVAILABLE', `put ${key}: ${outcome?.acks ?? 0} of the ${this.writeQuorum} owners needed acknowledged${why}`, {
      mayHaveExecuted: true, data: { reasons: outcome?.reasons ?? {} }
    })
  }

  /** The newest of the first R owners' copies, written back to those that were older before answering. */
  async get (key: string): Promise<unknown> {
    checkKey(key)
    const owners = this.owners(key)
    this.requireOwners(`get ${key}`, owners, this.requireReady(`get ${key}`), this.readQuorum)
    const replies: Array<{ peer: string, entry: Entry | undefined }> = []
    const failures: string[] = []
    let repairLate: ((r: { peer: string, entry: Entry | undefined }) => void) | undefined
    // silent owners are asked (an answer clears their silence) but not waited for
    const now = Date.now()
    const awaited = owners.filter(p => p === this.self || !this.silence.silent(p, now)).length
    await new Promise<void>(resolve => {
      let settled = 0
      for (const peer of owners) {
        const wait = peer === this.self || !this.silence.silent(peer, now)
        this.fetch(peer, key).then(entry => {
          if (repairLate !== undefined) repairLate({ peer, entry })
          else replies.push({ peer, entry })
        }, (err: unknown) => { failures.push(`${peer === this.self ? 'this peer' : peer.slice(-6)}: ${(err as Error)?.message ?? String(err)}`) }).finally(() => {
          if (wait) settled++
          if (replies.length >= this.readQuorum || settled >= awaited) resolve()
        })
      }
      if (awaited === 0) resolve()
    })
    if (replies.length < this.readQuorum) {
      throw new RpcError('UNAVAILABLE', `get ${key}: ${replies.length} of the ${this.readQuorum} owners' copies needed answered (${failures.join(', ')})`, { mayHaveExecuted: false })
    }
    trace?.(`get ${key} owners ${owners.map(p => p.slice(-4)).join(',')} replies ${replies.map(r => `${r.peer.slice(-4)}=${String(r.entry?.value)}@${v(r.entry?.version)}`).join(' ')}`)
    let best: Entry | undefined
    for (const r of replies) if (r.entry !== undefined && (best === undefined || newer(r.entry.version, best.version))) best = r.entry
    if (best === undefined) return undefined
    const newest = best
    const stale = (e: Entry | undefined): boolean => e === undefined || newer(newest.version, e.version)
    repairLate = r => { if (stale(r.entry)) void this.repair(r.peer, key, newest) }
    await Promise.all(replies.filter(r => stale(r.entry)).map(async r => { await this.repair(r.peer, key, newest) }))
    return newest.value
  }

  /**
   * A received copy, checked: well formed, its version no more than the accepted offset ahead of this clock, and
   * not stamped by a peer whose clock is known to run further ahead than that (a copy delayed on its way arrives
   * with its lead shrunk by the delay).
   */
  private checkCopy (e: unknown, now: number): Entry {
    const entry = checkEntry(e, now, this.maxOffsetMs)
    const ahead = this.offsets.aheadMs(entry.version.by, now)
    if (ahead > this.maxOffsetMs) {
      throw new RpcError('INVALID_ARGUMENT', `version stamped by a peer whose clock runs at least ${Math.round(ahead)} ms ahead of this one (accepted offset ${this.maxOffsetMs} ms)`, { data: { reason: 'clock-offset', aheadMs: ahead } })
    }
    return entry
  }

  /** This peer's own copy with its version, or undefined (whether or not it has caught up). */
  entry (key: string): Entry | undefined {
    return this.data.get(key)
  }

  /** This peer's copy for a quorum read: refused (UNAVAILABLE) while this peer has not caught up on the key. */
  copy (key: string): Entry | undefined {
    checkKey(key)
    const caller = callContext()?.peer
    if (caller !== undefined) this.silence.heard(caller)
    this.checkReady()
    const e = this.data.get(key)
    if (!this.recovery.caughtUp(this.owners(key), this.roster.peers(), Date.now()) && !(e !== undefined && this.recovery.dominates(e.version.wall))) {
      throw new RpcError('UNAVAILABLE', `copy ${key}: catching up after a start`, { mayHaveExecuted: false })
    }
    return e
  }

  /**
   * Stores copies sent by other owners; one result per entry. Malformed entries refuse the whole call. `sentAt`
   * (optional): the sender's clock when it sent them, which tells how far ahead of this one its clock at least runs.
   */
  replicate (entries: Array<[string, Entry]>, sentAt?: number): CopyResult[] {
    if (!Array.isArray(entries) || entries.length > COPY_BATCH) throw new RpcError('INVALID_ARGUMENT', `replicate takes an array of at most ${COPY_BATCH} [key, entry] pairs`)
    const now = this.now()
    const caller = callContext()?.peer
    if (caller !== undefined) { this.offsets.note(caller, sentAt, now); this.silence.heard(caller) }
    const checked: Array<[string, Entry] | undefined> = entries.map(pair => {
      if (!Array.isArray(pair) || pair.length !== 2) throw new RpcError('INVALID_ARGUMENT', 'replicate takes [key, entry] pairs')
      checkKey(pair[0])
      try {
        return [pair[0], this.checkCopy(pair[1], now)]
      } catch (err) {
        if (((err as RpcError).data as { reason?: string } | undefined)?.reason !== 'clock-offset') throw err
        this.counters.clockRejects++
        return undefined
      }
    })
    return checked.map(c => c === undefined ? { ok: false, reason: 'clock-offset' } : this.accept(c[0], c[1]))
  }

  /** The entries this peer holds that the caller owns, and this peer's roster: what a starting peer catches up from. */
  pull (): { entries: Array<[string, Entry]>, roster: string[] } {
    const caller = callerOf()
    this.silence.heard(caller)
    const entries: Array<[string, Entry]> = []
    for (const [key, entry] of this.data) if (this.owners(key).includes(caller)) entries.push([key, entry])
    return { entries, roster: this.roster.peers() }
  }

  size (): number {
    return this.data.size
  }

  keys (): string[] {
    return [...this.data.keys()]
  }

  stats (): { keys: number } & ReplicatedKeyValue['counters'] {
    return { keys: this.data.size, ...this.counters }
  }

  status (): KvStatus {
    const alive = this.aliveSet()
    const roster = this.roster.peers()
    return { ready: this.isReady(), keys: this.data.size, roster: roster.length, alive: roster.filter(p => alive.has(p)).length }
  }

  // ---------------------------------------------------------------- coordination

  private authorize (req: AuthorizeRequest): boolean {
    if (PUBLIC_METHODS.has(req.method) || req.peer === this.self || this.roster.has(req.peer)) return true
    this.counters.refused++
    return false
  }

  private aliveSet (): Set<string> {
    const out = new Set<string>([this.self])
    for (const m of this.node.members()) if (m.state === 'alive') out.add(m.peerId)
    return out
  }

  private isReady (alive = this.aliveSet()): boolean {
    const was = this.recovery.isReady()
    const ready = this.recovery.ready(this.roster.peers(), p => alive.has(p), Date.now())
    if (ready && !was) trace?.(`ready roster ${this.roster.peers().map(p => p.slice(-4)).join(',')} alive ${[...alive].map(p => p.slice(-4)).join(',')} pulls ${this.counters.pulls}`)
    return ready
  }

  /** Evaluates readiness while catching up (it is decided when asked: a fresh peer then counts every member). */
  private checkReady (): void {
    if (!this.recovery.isReady()) this.isReady()
  }

  /** The members this peer sees alive; UNAVAILABLE (unrun) while this peer is catching up after a start. */
  private requireReady (what: string): Set<string> {
    const alive = this.aliveSet()
    if (!this.isReady(alive)) throw new RpcError('UNAVAILABLE', `${what}: this peer is catching up after a start`, { mayHaveExecuted: false })
    return alive
  }

  /**
   * UNAVAILABLE (unrun, so the router tries another coordinator at once) when fewer than `needed` of the key's
   * owners are alive in this peer's view and answering it: their copies would only be waited for until the client
   * gives up on this coordinator. Suspect owners count as down here (they have missed a direct and an indirect
   * probe), and so do owners that have left a copy request unanswered for a copy timeout (membership may call a
   * peer alive that answers others but not this one: kv-silence.ts); both are still asked when enough others are
   * up, and a silent owner that makes a call refused is probed (its `status`), so that it is heard again.
   */
  private requireOwners (what: string, owners: string[], alive: Set<string>, needed: number): void {
    const now = Date.now()
    let up = 0
    let silent: string[] | undefined
    for (const p of owners) {
      if (!alive.has(p)) continue
      if (p !== this.self && this.silence.silent(p, now)) (silent ??= []).push(p)
      else up++
    }
    if (up >= needed) return
    // refused without asking them: ask them something else, so that an owner that answers again is counted again
    if (silent !== undefined) for (const p of silent) this.probe(p)
    this.counters.ownersDown++
    throw new RpcError('UNAVAILABLE', `${what}: ${up} of the key's ${owners.length} owners alive and answering in this peer's view, ${needed} needed`, {
      mayHaveExecuted: false, data: { reason: 'owners-down', alive: up, needed }
    })
  }

  /** Asks a silent owner for its status (one probe per peer at a time): an answer clears its silence. */
  private probe (peer: string): void {
    if (this.probing.has(peer)) return
    this.probing.add(peer)
    this.node.call(KV_SERVICE, 'status', [], { peer, timeoutMs: COPY_TIMEOUT_MS }).then(() => { this.silence.heard(peer) }, () => {}).finally(() => { this.probing.delete(peer) })
  }

  /** A version later than this clock's last and than `floor`. */
  private stamp (floor: Version | undefined): Version {
    let t = floor === undefined ? this.clock.tick() : this.clock.receive(floor)
    if (floor !== undefined && (t.wall < floor.wall || (t.wall === floor.wall && t.logical <= floor.logical))) t = { wall: floor.wall, logical: floor.logical + 1 }
    return { wall: t.wall, logical: t.logical, by: this.self }
  }

  /**
   * Sends the entry to every owner and resolves once W acknowledged or all answered, silent owners aside (they are
   * sent the copy, and heard again if they answer in time, but not waited for). This peer's own copy, if it
   * is an owner, is stored only after another owner accepted the version (or if it alone makes the quorum), so
   * a version another owner refuses (this clock is off) is stored nowhere.
   */
  private async writeQuorum_ (owners: string[], key: string, entry: Entry): Promise<Tally> {
    const tally: Tally = { acks: 0, reasons: {} }
    const remote = owners.filter(p => p !== this.self)
    // silent owners are sent the copy (an answer clears their silence) but not waited for
    const now = Date.now()
    const awaited = remote.filter(p => !this.silence.silent(p, now)).length
    let localPending = owners.includes(this.self)
    let done = false
    const count = (r: CopyResult): void => {
      if (r.ok) { tally.acks++; return }
      const reason = r.reason ?? 'error'
      tally.reasons[reason] = (tally.reasons[reason] ?? 0) + 1
      if (r.newer !== undefined && (tally.newer === undefined || newer(r.newer, tally.newer))) tally.newer = r.newer
    }
    const local = (): void => {
      if (!localPending) return
      localPending = false
      count(this.accept(key, entry))
    }
    return await new Promise<Tally>(resolve => {
      let settled = 0
      const finish = (): void => { done = true; localPending = false; resolve(tally) }
      const check = (): void => {
        if (done) return
        if (settled >= awaited && localPending && this.writeQuorum - tally.acks <= 1) local()
        if (tally.acks >= this.writeQuorum || settled >= awaited) finish()
      }
      for (const peer of remote) {
        const wait = !this.silence.silent(peer, now)
        this.send(peer, [[key, entry]], COPY_TIMEOUT_MS).then(([r]) => {
          if (done) return
          count(r)
          if (r.ok) local()
        }, (err: unknown) => {
          if (done) return
          const code = (err as RpcError)?.code ?? 'error'
          tally.reasons[code] = (tally.reasons[code] ?? 0) + 1
        }).finally(() => {
          if (wait) settled++
          check()
        })
      }
      check()
    })
  }

  /** One owner's copy: this peer's own if caught up, else asked for. */
  private async fetch (peer: string, key: string): Promise<Entry | undefined> {
    if (peer === this.self) return this.copy(key)
    this.silence.sent(peer, Date.now())
    const e = await this.node.call<Entry | undefined>(KV_SERVICE, 'copy', [key], { peer, timeoutMs: COPY_TIMEOUT_MS })
    this.silence.heard(peer)
    return e === undefined || e === null ? undefined : checkEntry(e, this.now() + this.maxOffsetMs, this.maxOffsetMs)
  }

  private async repair (peer: string, key: string, entry: Entry): Promise<void> {
    this.counters.readRepairs++
    if (peer === this.self) { this.accept(key, entry); return }
    await this.send(peer, [[key, entry]], COPY_TIMEOUT_MS).catch(() => {})
  }

  /** An owner's decision on one copy (already checked). */
  private accept (key: string, entry: Entry): CopyResult {
    this.checkReady()
    const owners = this.owners(key)
    if (!owners.includes(this.self)) return { ok: false, reason: 'not-owner' }
    const old = this.data.get(key)
    const c = old === undefined ? 1 : compareVersions(entry.version, old.version)
    if (c > 0) {
      this.data.set(key, entry)
      this.clock.receive(entry.version)
    }
    // a peer that has not caught up stores the copy, but its acknowledgement does not count yet, unless the
    // version is newer than anything it can have lost (kv-recovery.ts)
    if (!this.recovery.caughtUp(owners, this.roster.peers(), Date.now()) && !(c >= 0 && this.recovery.dominates(entry.version.wall))) return { ok: false, reason: 'recovering' }
    if (c >= 0) return { ok: true }
    return { ok: false, reason: 'newer', newer: old?.version }
  }

  private async send (peer: string, entries: Array<[string, Entry]>, timeoutMs: number): Promise<CopyResult[]> {
    this.silence.sent(peer, Date.now())
    const results = await this.node.call<CopyResult[]>(KV_SERVICE, 'replicate', [entries, this.now()], { peer, timeoutMs })
    this.silence.heard(peer)
    return results
  }

  // ---------------------------------------------------------------- catch-up and anti-entropy

  private refreshRoster (): void {
    const before = new Set(this.roster.peers())
    if (this.roster.update(this.node.members(), Date.now())) {
      const added = this.roster.peers().filter(p => !before.has(p))
      this.recovery.added(added)
      trace?.(`roster +${added.map(p => p.slice(-4)).join(',')} synced ${added.filter(p => this.recovery.isSynced(p)).map(p => p.slice(-4)).join(',')}`)
    }
  }

  private schedule (): void {
    if (this.detached) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.rebalance()
    }, REBALANCE_DEBOUNCE_MS)
    this.timer.unref()
  }

  /**
   * Pulls from the roster peers not yet caught up from, pushes every key this peer holds to its reachable
   * owners, and hands over the keys this peer no longer owns (dropping them once every owner holds them).
   */
  async rebalance (): Promise<void> {
    if (this.rebalancing) {
      this.again = true
      return
    }
    this.rebalancing = true
    try {
      do {
        this.again = false
        this.counters.rebalances++
        this.refreshRoster()
        const alive = this.aliveSet()
        await Promise.all(this.recovery.pending(this.roster.peers(), p => alive.has(p)).map(async peer => { await this.pullFrom(peer) }))
        this.checkReady()
        await this.push(alive)
      } while (this.again && !this.detached)
    } finally {
      this.rebalancing = false
    }
  }

  private async pullFrom (peer: string): Promise<void> {
    try {
      this.silence.sent(peer, Date.now())
      const answer = await this.node.call<{ entries: Array<[string, Entry]>, roster: string[] }>(KV_SERVICE, 'pull', [], { peer, timeoutMs: SYNC_TIMEOUT_MS })
      this.silence.heard(peer)
      const now = this.now()
      for (const pair of Array.isArray(answer?.entries) ? answer.entries : []) {
        try {
          const e = this.checkCopy(pair[1], now)
          checkKey(pair[0])
          const old = this.data.get(pair[0])
          if (old === undefined || newer(e.version, old.version)) { this.data.set(pair[0], e); this.clock.receive(e.version) }
        } catch { /* a malformed entry from a member: skipped */ }
      }
      this.counters.pulls++
      const roster = Array.isArray(answer?.roster) ? answer.roster.filter(p => typeof p === 'string').slice(0, MAX_ROSTER) : []
      if (!this.recovery.isReady()) this.roster.adopt(roster, Date.now())
      this.recovery.markSynced(peer, roster)
    } catch { /* retried at the next rebalance */ }
  }

  private async push (alive: Set<string>): Promise<void> {
    const byOwner = new Map<string, Array<[string, Entry]>>()
    const notMine: string[] = []
    for (const [key, entry] of this.data) {
      const owners = this.owners(key)
      if (!owners.includes(this.self)) notMine.push(key)
      for (const p of owners) {
        if (p === this.self || !alive.has(p)) continue
        let list = byOwner.get(p)
        if (list === undefined) byOwner.set(p, list = [])
        list.push([key, entry])
      }
    }
    const held = new Map<string, number>()
    await Promise.all([...byOwner].map(async ([peer, entries]) => {
      for (let i = 0; i < entries.length; i += COPY_BATCH) {
        const batch = entries.slice(i, i + COPY_BATCH)
        try {
          const results = await this.send(peer, batch, SYNC_TIMEOUT_MS)
          batch.forEach(([key], j) => {
            const r = results[j]
            // held: stored, or already newer there (a peer still catching up stores the copy too)
            if (r?.ok === true || r?.reason === 'newer' || r?.reason === 'recovering') held.set(key, (held.get(key) ?? 0) + 1)
            if (r?.ok === true) this.counters.copied++
          })
        } catch {
          return
        }
      }
    }))
    for (const key of notMine) {
      // dropped once every reachable owner holds it (a dead owner gets it from them by anti-entropy on its return)
      const reachable = this.owners(key).filter(p => alive.has(p)).length
      const n = held.get(key) ?? 0
      if (n === reachable && n >= this.writeQuorum) {
        trace?.(`handoff ${key} owners ${this.owners(key).map(p => p.slice(-4)).join(',')}`)
        this.data.delete(key)
        this.counters.handedOff++
      }
    }
  }
}

interface Tally {
  acks: number
  reasons: Record<string, number>
  newer?: Version
}

function describe (t: Tally): string {
  const parts = Object.entries(t.reasons).filter(([, n]) => n > 0).map(([r, n]) => `${n} ${REASONS[r] ?? r}`)
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`
}

const REASONS: Record<string, string> = {
  'clock-offset': 'refused the version as too far ahead of their clocks: this peer\'s clock is off',
  newer: 'held a newer version',
  'not-owner': 'do not own the key by their roster',
  recovering: 'catching up after a start',
  DEADLINE_EXCEEDED: 'timed out',
  UNAVAILABLE: 'unreachable'
}

function checkKey (key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length > MAX_KEY_LENGTH) throw new RpcError('INVALID_ARGUMENT', `key must be a string of at most ${MAX_KEY_LENGTH} characters`)
}

function callerOf (): string {
  const peer = callContext()?.peer
  if (peer === undefined) throw new RpcError('INVALID_ARGUMENT', 'pull is called remotely')
  return peer
}

/**
 * Share of the client's budget that the first coordinator gets, the rest going to a second one (another owner):
 * a coordinator that was just frozen (SIGSTOP) answers nothing for seconds and must not use the whole budget.
 */
export const FIRST_ATTEMPT_SHARE = 0.5
/**
 * Pause before the second attempt when the first was refused unrun everywhere (every coordinator it reached saw
 * too few of the key's owners alive), ms: about a probe period of the membership's fast profile, time for a
 * suspicion to be refuted or a view to change, and short against the 2 s budget.
 */
export const UNRUN_RETRY_PAUSE_MS = 100
/**
 * A get still unanswered after this long is sent to a second coordinator as well (a hedge; the first answer wins),
 * ms: Cassandra's speculative retry in its fixed-delay form. About twice the p99 of a get on a loaded 2-core
 * machine (66 ms at a load average of 38 in the Jepsen-style test), so about 1% of gets are hedged in normal times,
 * within the router's 5% hedge budget; a coordinator that waits on an owner it cannot reach (a partition not yet
 * detected) then costs a read 150 ms instead of its attempt's share of the budget.
 */
export const READ_HEDGE_AFTER_MS = 150

/**
 * A typed client for the replicated store: calls routed by key to its owner (the router fails over along the
 * ring when a peer is unreachable); a coordinator that has not answered in half the budget is given up and the
 * call routed again (the router has ejected or suspects a frozen peer by then). A get unanswered after 150 ms is
 * hedged to a second coordinator. Puts carry the client's deadline, so a put that reaches a coordinator after it is
 * refused unrun.
 */
export function kvClient (node: PeercallNode, timeoutMs = 2000): {
  put: (key: string, value: unknown) => Promise<PutResult>
  get: (key: string) => Promise<unknown>
} {
  /**
   * Two attempts, each routed by key (the router fails over along the ring when a peer is unreachable or
   * answers UNAVAILABLE); `args(notAfter)` builds each attempt's arguments from its deadline (ms since the epoch).
   * Gets are hedged after READ_HEDGE_AFTER_MS; puts never are: two coordinators of one put racing would stamp it
   * twice and only add load.
   */
  const twice = async <T>(method: string, key: string, args: (notAfter: number) => unknown[], hedge: boolean): Promise<T> => {
    const deadline = Date.now() + timeoutMs
    const first = Math.max(1, Math.floor(timeoutMs * FIRST_ATTEMPT_SHARE))
    // a keyed call is hedged only when it names a delay (router.ts): a put names none
    const base = { idempotent: true, balance: 'hash' as const, key, ...(hedge ? { hedgeAfterMs: READ_HEDGE_AFTER_MS } : {}) }
    try {
      return await node.call<T>(KV_SERVICE, method, args(Date.now() + first), { ...base, timeoutMs: first })
    } catch (err) {
      if (!(err instanceof RpcError) || !(err.retryable || err.code === 'DEADLINE_EXCEEDED') || deadline - Date.now() < 50) throw err
      if (err.code === 'UNAVAILABLE' && !err.mayHaveExecuted && deadline - Date.now() > 4 * UNRUN_RETRY_PAUSE_MS) await sleep(UNRUN_RETRY_PAUSE_MS)
      return await node.call<T>(KV_SERVICE, method, args(deadline), { ...base, timeoutMs: deadline - Date.now() })
    }
  }
  return {
    // each attempt's deadline travels with it: a coordinator given up on stamps nothing after it (otherwise a
    // slow first coordinator could stamp its value above the writes the client made after giving up on it)
    put: async (key, value) => await twice<PutResult>('put', key, notAfter => [key, value, notAfter], false),
    get: async (key) => await twice<unknown>('get', key, () => [key], true)
  }
}
