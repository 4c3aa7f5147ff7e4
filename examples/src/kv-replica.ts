/**
 * A key-value store sharded by consistent hashing, with each key on `replicas` peers: the owner of the key on the
 * hash ring of the peers hosting `ReplicatedKV` and its successors (the redundancy that high availability asks
 * for). Every peer hosts the same service; clients call it with `balance: 'hash', key`.
 *
 * - put: the receiving peer stamps the value with its hybrid logical clock, stores it, and copies it to the other
 *   owners; it answers once `writeQuorum` peers hold it. Last writer wins by timestamp.
 * - get: answered by the first live owner (the router fails over along the ring's successors); a peer without a
 *   copy asks the other owners and keeps the newest (read repair).
 * - recovery: after membership changes, every peer re-checks the keys it holds: it copies them to owners that lack
 *   them (restoring the replica count after a peer dies) and hands keys it no longer owns to their owners, then
 *   drops them (handing ranges back when a peer joins).
 */
import { callContext, RpcError } from '@peercall/core'
import type { PeercallNode } from '@peercall/core'

export const KV_SERVICE = 'ReplicatedKV'
/** Copies of each key (Dynamo's and Cassandra's usual N = 3). */
export const DEFAULT_REPLICAS = 3
/** Copies that must hold a write before it is acknowledged (a majority of 3). */
export const DEFAULT_WRITE_QUORUM = 2
/** Quiet time after the last membership change before a rebalance, ms. */
export const REBALANCE_DEBOUNCE_MS = 300
/** Periodic re-check of ownership even without membership events, ms (anti-entropy). */
export const REBALANCE_INTERVAL_MS = 5000
/** Deadline of one copy to another peer, ms. */
export const COPY_TIMEOUT_MS = 2000
/** Entries per copy call during a rebalance. */
const COPY_BATCH = 500

export interface Version {
  wall: number
  logical: number
  /** Peer that stamped it: breaks ties. */
  by: string
}

export interface Entry {
  value: unknown
  version: Version
}

export function newer (a: Version, b: Version): boolean {
  if (a.wall !== b.wall) return a.wall > b.wall
  if (a.logical !== b.logical) return a.logical > b.logical
  return a.by > b.by
}

export interface ReplicatedKvOptions {
  replicas?: number
  writeQuorum?: number
}

export interface PutResult {
  version: Version
  /** Peers holding the value when the put was acknowledged. */
  copies: number
}

export class ReplicatedKeyValue {
  private readonly data = new Map<string, Entry>()
  private readonly node: PeercallNode
  private readonly replicas: number
  private readonly writeQuorum: number
  private timer: ReturnType<typeof setTimeout> | undefined
  private interval: ReturnType<typeof setInterval> | undefined
  private rebalancing = false
  private again = false
  /** Keys copied to other owners and keys handed off, by rebalances. */
  readonly counters = { copied: 0, handedOff: 0, rebalances: 0, readRepairs: 0 }

  constructor (node: PeercallNode, options: ReplicatedKvOptions = {}) {
    this.node = node
    this.replicas = options.replicas ?? DEFAULT_REPLICAS
    this.writeQuorum = options.writeQuorum ?? DEFAULT_WRITE_QUORUM
  }

  /** Registers the service and starts watching membership for recovery and hand-off. */
  attach (): this {
    // only these methods are callable: the class's own helpers (rebalance, detach, ...) stay local
    const service = {
      put: async (key: string, value: unknown) => await this.put(key, value),
      get: async (key: string) => await this.get(key),
      entry: (key: string) => this.entry(key),
      replicate: (entries: Array<[string, Entry]>) => this.replicate(entries),
      size: () => this.size(),
      keys: () => this.keys(),
      stats: () => this.stats()
    }
    this.node.register(KV_SERVICE, service, { idempotent: ['get', 'entry', 'replicate', 'size', 'keys', 'stats'] })
    for (const type of ['member:join', 'member:dead', 'member:leave', 'member:update']) {
      this.node.addEventListener(type, () => { this.schedule() })
    }
    this.interval = setInterval(() => { this.schedule() }, REBALANCE_INTERVAL_MS)
    this.interval.unref()
    return this
  }

  detach (): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    if (this.interval !== undefined) clearInterval(this.interval)
  }

  // ---------------------------------------------------------------- the service's methods

  async put (key: string, value: unknown): Promise<PutResult> {
    if (typeof key !== 'string') throw new RpcError('INVALID_ARGUMENT', 'key must be a string')
    const ts = callContext()?.timestamp ?? { wall: Date.now(), logical: 0 }
    const entry: Entry = { value, version: { wall: ts.wall, logical: ts.logical, by: this.node.peerId } }
    this.store(key, entry)
    const others = this.node.owners(KV_SERVICE, key).filter(p => p !== this.node.peerId)
    const needed = Math.min(this.writeQuorum, 1 + others.length) - 1
    const copies = 1 + await this.copyTo(others, key, entry, needed)
    if (copies < Math.min(this.writeQuorum, 1 + others.length)) {
      throw new RpcError('UNAVAILABLE', `put ${key}: only ${copies} of ${this.writeQuorum} copies written`, { mayHaveExecuted: true })
    }
    return { version: entry.version, copies }
  }

  /**
   * The value of `key`. A peer that holds no copy (it just became an owner and recovery has not reached it yet,
   * or bounded-load routing sent the read past a busy owner) asks the key's other owners and keeps the newest
   * copy it gets (read repair), so a read finds an acknowledged write wherever it lands.
   */
  async get (key: string): Promise<unknown> {
    const local = this.data.get(key)
    if (local !== undefined) return local.value
    const others = this.node.owners(KV_SERVICE, key, this.replicas + 1).filter(p => p !== this.node.peerId)
    const copies = await Promise.all(others.map(async p => await this.node.call<Entry | undefined>(KV_SERVICE, 'entry', [key], { peer: p, timeoutMs: COPY_TIMEOUT_MS }).catch(() => undefined)))
    let best: Entry | undefined
    for (const c of copies) if (c !== undefined && (best === undefined || newer(c.version, best.version))) best = c
    if (best === undefined) return undefined
    this.store(key, best)
    this.counters.readRepairs++
    return best.value
  }

  /** The value with its version, or undefined. */
  entry (key: string): Entry | undefined {
    return this.data.get(key)
  }

  /** Stores copies sent by other peers (kept only if newer). */
  replicate (entries: Array<[string, Entry]>): number {
    if (!Array.isArray(entries)) throw new RpcError('INVALID_ARGUMENT', 'replicate takes an array of [key, entry] pairs')
    let stored = 0
    for (const [key, entry] of entries) if (this.store(key, entry)) stored++
    return stored
  }

  size (): number {
    return this.data.size
  }

  keys (): string[] {
    return [...this.data.keys()]
  }

  stats (): { keys: number, copied: number, handedOff: number, rebalances: number, readRepairs: number } {
    return { keys: this.data.size, ...this.counters }
  }

  // ---------------------------------------------------------------- replication

  private store (key: string, entry: Entry): boolean {
    if (typeof key !== 'string' || typeof entry?.version?.wall !== 'number') throw new RpcError('INVALID_ARGUMENT', 'malformed entry')
    const old = this.data.get(key)
    if (old !== undefined && !newer(entry.version, old.version)) return false
    this.data.set(key, entry)
    return true
  }

  /**
   * Copies one entry to the owners in order until `needed` have it, then to the rest in the background.
   * Resolves with how many acknowledged before it returned.
   */
  private async copyTo (owners: string[], key: string, entry: Entry, needed: number): Promise<number> {
    if (owners.length === 0 || needed <= 0) {
      for (const p of owners) void this.send(p, [[key, entry]]).catch(() => {})
      return 0
    }
    return await new Promise<number>(resolve => {
      let acks = 0
      let pending = owners.length
      for (const p of owners) {
        this.send(p, [[key, entry]]).then(() => { acks++ }, () => {}).finally(() => {
          pending--
          if (acks >= needed || pending === 0) resolve(acks)
        })
      }
    })
  }

  private async send (peer: string, entries: Array<[string, Entry]>): Promise<void> {
    await this.node.call(KV_SERVICE, 'replicate', [entries], { peer, timeoutMs: COPY_TIMEOUT_MS })
  }

  private schedule (): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.rebalance()
    }, REBALANCE_DEBOUNCE_MS)
    this.timer.unref()
  }

  /**
   * Makes every key this peer holds present on all its current owners, and hands over the keys this peer no
   * longer owns (dropping them once every owner has acknowledged).
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
        const byOwner = new Map<string, Array<[string, Entry]>>()
        const notMine: string[] = []
        for (const [key, entry] of this.data) {
          const owners = this.node.owners(KV_SERVICE, key, this.replicas)
          if (!owners.includes(this.node.peerId)) notMine.push(key)
          for (const p of owners) {
            if (p === this.node.peerId) continue
            let list = byOwner.get(p)
            if (list === undefined) byOwner.set(p, list = [])
            list.push([key, entry])
          }
        }
        const failed = new Set<string>()
        await Promise.all([...byOwner].map(async ([peer, entries]) => {
          for (let i = 0; i < entries.length; i += COPY_BATCH) {
            try {
              const stored = await this.node.call<number>(KV_SERVICE, 'replicate', [entries.slice(i, i + COPY_BATCH)], { peer, timeoutMs: COPY_TIMEOUT_MS })
              this.counters.copied += stored
            } catch {
              failed.add(peer)
              return
            }
          }
        }))
        for (const key of notMine) {
          const owners = this.node.owners(KV_SERVICE, key, this.replicas)
          if (owners.length > 0 && owners.every(p => !failed.has(p))) {
            this.data.delete(key)
            this.counters.handedOff++
          }
        }
      } while (this.again)
    } finally {
      this.rebalancing = false
    }
  }
}

/** A typed client for the replicated store: calls routed by key to its owner, failing over along the ring. */
export function kvClient (node: PeercallNode, timeoutMs = 2000): {
  put: (key: string, value: unknown) => Promise<PutResult>
  get: (key: string) => Promise<unknown>
} {
  return {
    put: async (key, value) => await node.call<PutResult>(KV_SERVICE, 'put', [key, value], { balance: 'hash', key, timeoutMs, idempotent: true }),
    get: async (key) => await node.call(KV_SERVICE, 'get', [key], { balance: 'hash', key, timeoutMs })
  }
}
