/**
 * Hedging policy ("The Tail at Scale", Dean and Barroso, 2013): when a call has not answered after the
 * `percentile` latency of recent calls, send a second attempt to another peer, within a budget of extra
 * requests (`budgetPercent` of calls over a sliding window).
 */
import { WindowedSum } from './windowed.js'

/** Hedge after the 95th percentile ("The Tail at Scale" defers the hedge to the p95 latency). */
export const HEDGE_PERCENTILE = 0.95
/** Extra requests allowed, as a share of calls (the tail-at-scale paper's "about 5%" of added load). */
export const HEDGE_BUDGET_PERCENT = 0.05
/** Latency samples kept for the percentile. */
export const HEDGE_WINDOW_SAMPLES = 1000
/** No hedging before this many samples: a percentile of few samples is noise. */
export const HEDGE_MIN_SAMPLES = 20
/** Window over which the budget counts calls and hedges (as the retry budget's ttl). */
export const HEDGE_BUDGET_WINDOW_MS = 10_000
/**
 * Hedges always allowed per second, whatever the traffic, on top of `budgetPercent` (as Finagle's
 * minRetriesPerSec for retries): a caller making fewer than 20 calls per window could otherwise never hedge.
 */
export const HEDGE_MIN_PER_SECOND = 1

export interface HedgingOptions {
  /** @default 0.95 */
  percentile?: number
  /** @default 0.05 */
  budgetPercent?: number
  /** @default 1000 */
  windowSamples?: number
  /** @default 20 */
  minSamples?: number
  /** Lower bound of the delay, ms. @default 0 */
  minDelayMs?: number
  /** Hedges allowed per second whatever the traffic. @default 0 */
  minPerSecond?: number
}

export class HedgingPolicy {
  private readonly samples: Float64Array
  private count = 0
  private next = 0
  private cached: number | undefined
  private sinceCompute = Infinity
  private readonly percentile: number
  private readonly minSamples: number
  private readonly minDelayMs: number
  private readonly budget: WindowedSum
  private readonly cost: number
  private readonly reserve: number
  private readonly now: () => number
  /** Hedges the budget allowed. */
  sent = 0
  /** Hedges the budget refused. */
  refused = 0

  constructor (now: () => number, options: HedgingOptions = {}) {
    this.now = now
    this.percentile = options.percentile ?? HEDGE_PERCENTILE
    const budgetPercent = options.budgetPercent ?? HEDGE_BUDGET_PERCENT
    this.samples = new Float64Array(options.windowSamples ?? HEDGE_WINDOW_SAMPLES)
    this.minSamples = options.minSamples ?? HEDGE_MIN_SAMPLES
    this.minDelayMs = options.minDelayMs ?? 0
    this.budget = new WindowedSum(HEDGE_BUDGET_WINDOW_MS, now())
    this.cost = budgetPercent > 0 ? 1 / budgetPercent : Infinity
    const minPerSecond = options.minPerSecond ?? HEDGE_MIN_PER_SECOND
    this.reserve = Number.isFinite(this.cost) ? minPerSecond * (HEDGE_BUDGET_WINDOW_MS / 1000) * this.cost : 0
  }

  /** Records the latency of a successful attempt (ms). */
  record (latencyMs: number): void {
    this.samples[this.next] = latencyMs
    this.next = (this.next + 1) % this.samples.length
    if (this.count < this.samples.length) this.count++
    this.sinceCompute++
  }

  /** Records one call (the budget grows by `budgetPercent` of a hedge). */
  deposit (): void { this.budget.add(1, this.now()) }

  /** How long to wait before hedging, or undefined while there are too few samples. */
  delayMs (): number | undefined {
    if (this.count < this.minSamples) return undefined
    // recompute when 1/16 of the window is new: sorting 1000 samples per call would cost ~50 us
    if (this.cached === undefined || this.sinceCompute * 16 >= this.count) {
      const sorted = this.samples.slice(0, this.count).sort()
      const i = Math.min(sorted.length - 1, Math.ceil(this.percentile * sorted.length) - 1)
      this.cached = Math.max(this.minDelayMs, sorted[Math.max(0, i)])
      this.sinceCompute = 0
    }
    return this.cached
  }

  /** Takes one hedge from the budget; false when it is spent. */
  tryAcquire (): boolean {
    const now = this.now()
    if (this.budget.sum(now) + this.reserve >= this.cost) {
      this.budget.add(-this.cost, now)
      this.sent++
      return true
    }
    this.refused++
    return false
  }
}
