/**
 * Outlier ejection. Defaults follow gRPC's outlier detection (gRFC A50; grpc-java `OutlierDetectionLoadBalancer`:
 * interval 10 s, base ejection time 30 s, max ejection time 300 s, max ejection percent 10) with Envoy's
 * consecutive-failure trigger (`consecutive_5xx`, default 5), since gRPC ejects on success rate over intervals and
 * a library balancer sees too few calls per peer for that.
 *
 * A peer that fails `consecutiveFailures` times in a row is ejected for base x (number of ejections), capped at
 * max(base, maxEjection); the ejection count decays by one every `intervalMs` the peer stays healthy (as gRPC's
 * multiplier). When the time is up the peer is half-open: one probe call at a time may go to it; a success makes
 * it healthy, a failure ejects it again. No ejection happens while `maxEjectionPercent` of the peers are ejected.
 */

/** Envoy `consecutive_5xx` default. */
export const CONSECUTIVE_FAILURES = 5
/** gRPC outlier detection `base_ejection_time` default. */
export const BASE_EJECTION_MS = 30_000
/** gRPC outlier detection `max_ejection_time` default. */
export const MAX_EJECTION_MS = 300_000
/** gRPC outlier detection `max_ejection_percent` default. */
export const MAX_EJECTION_PERCENT = 10
/** gRPC outlier detection `interval` default: the ejection multiplier decays by one per interval. */
export const EJECTION_INTERVAL_MS = 10_000

export interface OutlierOptions {
  /** @default 5 */
  consecutiveFailures?: number
  /** @default 30000 */
  baseEjectionMs?: number
  /** @default 300000 */
  maxEjectionMs?: number
  /** @default 10 */
  maxEjectionPercent?: number
  /** @default 10000 */
  intervalMs?: number
}

export type HealthState = 'healthy' | 'ejected' | 'probing'

interface Entry {
  consecutive: number
  multiplier: number
  /** when the multiplier was last brought up to date */
  multiplierAt: number
  ejectedUntil: number
  state: HealthState
  probeInFlight: boolean
}

export class OutlierDetector {
  private readonly entries = new Map<string, Entry>()
  private readonly threshold: number
  private readonly base: number
  private readonly max: number
  private readonly maxPercent: number
  private readonly interval: number
  private readonly now: () => number
  /** peers currently ejected (state 'ejected', time not up) */
  private ejectedCount = 0
  /** peers not healthy (ejected or half-open) */
  private unhealthy = 0
  /** peers whose count of consecutive failures is above zero */
  private failing = 0

  constructor (now: () => number, options: OutlierOptions = {}) {
    this.now = now
    this.threshold = options.consecutiveFailures ?? CONSECUTIVE_FAILURES
    this.base = options.baseEjectionMs ?? BASE_EJECTION_MS
    this.max = Math.max(this.base, options.maxEjectionMs ?? MAX_EJECTION_MS)
    this.maxPercent = options.maxEjectionPercent ?? MAX_EJECTION_PERCENT
    this.interval = options.intervalMs ?? EJECTION_INTERVAL_MS
  }

  /** The peer's state now (an ejection whose time is up turns into 'probing'). */
  state (peer: string): HealthState {
    const e = this.entries.get(peer)
    if (e === undefined) return 'healthy'
    this.refresh(e)
    return e.state
  }

  /** Whether every peer is healthy (then each is available, and a pick needs no look-up per candidate). */
  get allHealthy (): boolean {
    return this.unhealthy === 0
  }

  /** Whether a call may go to the peer now: healthy, or half-open with no probe in flight. */
  available (peer: string): boolean {
    if (this.unhealthy === 0) return true
    const e = this.entries.get(peer)
    if (e === undefined) return true
    this.refresh(e)
    return e.state === 'healthy' || (e.state === 'probing' && !e.probeInFlight)
  }

  /** Ejection count (the multiplier) and time left, for stats. */
  info (peer: string): { state: HealthState, ejections: number, ejectedForMs: number, consecutiveFailures: number } {
    const e = this.entries.get(peer)
    if (e === undefined) return { state: 'healthy', ejections: 0, ejectedForMs: 0, consecutiveFailures: 0 }
    this.refresh(e)
    return {
      state: e.state,
      ejections: e.multiplier,
      ejectedForMs: e.state === 'ejected' ? e.ejectedUntil - this.now() : 0,
      consecutiveFailures: e.consecutive
    }
  }

  /** A call to the peer starts; in half-open state it is the probe. */
  onStart (peer: string): void {
    if (this.unhealthy === 0) return // nothing to mark: only a half-open peer's call is its probe
    const e = this.entry(peer)
    this.refresh(e)
    if (e.state === 'probing') e.probeInFlight = true
  }

  /** A call to the peer ended; `failure` is true for failures that count against the peer. */
  onEnd (peer: string, failure: boolean): void {
    // a success while every peer is healthy with no failure counted: nothing to change (no look-up)
    if (!failure && this.unhealthy === 0 && this.failing === 0) return
    const e = this.entry(peer)
    this.refresh(e)
    if (e.state === 'ejected') return // a straggler from before the ejection
    if (e.state === 'probing') {
      e.probeInFlight = false
      if (failure) this.eject(e, true)
      else { e.state = 'healthy'; e.consecutive = 0; e.multiplierAt = this.now(); this.unhealthy-- }
      return
    }
    if (!failure) { this.setConsecutive(e, 0); return }
    this.setConsecutive(e, e.consecutive + 1)
    if (e.consecutive >= this.threshold) this.eject(e, false)
  }

  /** Sets a peer's count of consecutive failures, keeping `failing` up to date. */
  private setConsecutive (e: Entry, n: number): void {
    if (e.consecutive === 0 && n > 0) this.failing++
    else if (e.consecutive > 0 && n === 0) this.failing--
    e.consecutive = n
  }

  /** Forgets a peer (it left the cluster). */
  forget (peer: string): void {
    const e = this.entries.get(peer)
    if (e === undefined) return
    this.refresh(e)
    if (e.state === 'ejected') this.ejectedCount--
    if (e.state !== 'healthy') this.unhealthy--
    if (e.consecutive > 0) this.failing--
    this.entries.delete(peer)
  }

  /** Peers tracked (the base of the ejection percentage). */
  get size (): number { return this.entries.size }

  /** Makes sure a peer counts towards the ejection percentage. */
  track (peer: string): void { this.entry(peer) }

  private entry (peer: string): Entry {
    let e = this.entries.get(peer)
    if (e === undefined) {
      e = { consecutive: 0, multiplier: 0, multiplierAt: this.now(), ejectedUntil: 0, state: 'healthy', probeInFlight: false }
      this.entries.set(peer, e)
    }
    return e
  }

  private eject (e: Entry, reEject: boolean): void {
    // sweep expired ejections so the count is current
    for (const other of this.entries.values()) this.refresh(other)
    if (!reEject && (this.ejectedCount * 100) / this.entries.size >= this.maxPercent) return
    const now = this.now()
    if (e.state === 'healthy') {
      const decay = Math.floor((now - e.multiplierAt) / this.interval)
      e.multiplier = Math.max(0, e.multiplier - decay)
      this.unhealthy++
    }
    e.multiplier++
    e.multiplierAt = now
    e.ejectedUntil = now + Math.min(this.base * e.multiplier, this.max)
    e.state = 'ejected'
    this.setConsecutive(e, 0)
    e.probeInFlight = false
    this.ejectedCount++
  }

  private refresh (e: Entry): void {
    if (e.state === 'ejected' && this.now() >= e.ejectedUntil) {
      e.state = 'probing'
      e.probeInFlight = false
      this.ejectedCount--
    }
  }
}
