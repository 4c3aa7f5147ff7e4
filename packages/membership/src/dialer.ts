/**
 * Keeps dialling what the cluster wants to be connected to: bootstrap addresses (until connected), members learned
 * from gossip (a few tries), and dead members' addresses (with backoff, for a bounded time), so that partitions heal.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { backoffDelay } from './backoff.js'
import type { Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface DialTarget {
  /** peer id when known */
  peer?: string
  addrs: string[]
  /** stop trying after this time (performance.now() ms) */
  until: number
  attempt: number
  nextAt: number
  dialing: boolean
}

export interface DialerOptions {
  backoffBaseMs: number
  backoffMaxMs: number
  /** dials in flight at once */
  parallel: number
  log: (fmt: string, ...args: unknown[]) => void
  /** clock, ms. @default performance.now */
  now?: () => number
  /** uniform in [0, 1), for the backoff's jitter. @default Math.random */
  random?: () => number
}

/** How often the dialer looks at its targets, ms. */
export const DIALER_TICK_MS = 50

export class Dialer {
  private readonly targets = new Map<string, DialTarget>()
  private timer: ReturnType<typeof setInterval> | undefined
  private inflight = 0
  private readonly now: () => number
  private readonly random: () => number

  constructor (private readonly libp2p: Pick<Libp2p, 'dial' | 'getConnections'>, private readonly opts: DialerOptions) {
    this.now = opts.now ?? (() => performance.now())
    this.random = opts.random ?? Math.random
  }

  start (): void {
    this.timer = setInterval(() => { this.tick() }, DIALER_TICK_MS)
    this.timer.unref()
  }

  stop (): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.targets.clear()
  }

  /** Want a connection to `key` (a peer id, or an address when the id is unknown) until `until`. */
  want (key: string, addrs: string[], until: number, peer?: string): void {
    const t = this.targets.get(key)
    if (t !== undefined) {
      t.addrs = addrs.length > 0 ? addrs : t.addrs
      t.until = Math.max(t.until, until)
      return
    }
    this.targets.set(key, { peer, addrs, until, attempt: 0, nextAt: this.now(), dialing: false })
  }

  drop (key: string): void { this.targets.delete(key) }
  has (key: string): boolean { return this.targets.has(key) }
  get size (): number { return this.targets.size }

  private connected (peer: string | undefined): boolean {
    if (peer === undefined) return false
    return this.libp2p.getConnections().some(c => c.remotePeer.toString() === peer && c.status === 'open')
  }

  /** Dials in flight now. */
  get dialing (): number { return this.inflight }

  /** One pass over the targets (start() runs it every DIALER_TICK_MS): drop the expired and connected, dial the due. */
  tick (): void {
    const now = this.now()
    for (const [key, t] of this.targets) {
      if (now > t.until || this.connected(t.peer)) { this.targets.delete(key); continue }
      if (t.dialing || now < t.nextAt || this.inflight >= this.opts.parallel) continue
      t.dialing = true
      this.inflight++
      const addrs: Multiaddr[] = []
      for (const a of t.addrs) { try { addrs.push(multiaddr(a)) } catch { /* skip a bad address */ } }
      if (addrs.length === 0) { this.targets.delete(key); this.inflight--; continue }
      this.libp2p.dial(addrs.length === 1 ? addrs[0] : addrs, { signal: AbortSignal.timeout(5000) })
        .then(conn => {
          this.opts.log('dialled %s', key)
          if (t.peer === undefined) t.peer = conn.remotePeer.toString()
          this.targets.delete(key)
        })
        .catch(err => {
          t.nextAt = this.now() + backoffDelay(t.attempt++, this.random(), this.opts.backoffBaseMs, this.opts.backoffMaxMs)
          this.opts.log('dial %s failed (%s), retry #%d', key, (err as Error).message, t.attempt)
        })
        .finally(() => { t.dialing = false; this.inflight-- })
    }
  }
}
