/**
 * Retry budget, as Finagle's `RetryBudget`: every call deposits, every retry withdraws, and retries may not
 * exceed `percent` of the calls of the last `ttlMs` plus a reserve of `minPerSecond` retries per second.
 * Deposits and withdrawals both expire after `ttlMs`.
 */
import { WindowedSum } from './windowed.js'

/** Share of calls that may be retried. Finagle `RetryBudget` default percentCanRetry = 0.2. */
export const RETRY_PERCENT = 0.2
/** Retries always allowed per second, whatever the traffic. Finagle default minRetriesPerSec = 10. */
export const RETRY_MIN_PER_SECOND = 10
/** How long deposits count. Finagle default ttl = 10 s. */
export const RETRY_TTL_MS = 10_000

const SCALE = 1000 // Finagle's ScaleFactor: integer tokens per deposit

export interface RetryBudgetOptions {
  /** @default 0.2 */
  percent?: number
  /** @default 10 */
  minPerSecond?: number
  /** @default 10000 */
  ttlMs?: number
}

export class RetryBudget {
  private readonly window: WindowedSum
  private readonly withdrawal: number
  private readonly reserve: number
  private readonly now: () => number

  constructor (now: () => number, options: RetryBudgetOptions = {}) {
    const percent = options.percent ?? RETRY_PERCENT
    const minPerSecond = options.minPerSecond ?? RETRY_MIN_PER_SECOND
    const ttlMs = options.ttlMs ?? RETRY_TTL_MS
    if (percent < 0 || minPerSecond < 0 || ttlMs <= 0) throw new RangeError('invalid retry budget')
    this.now = now
    this.window = new WindowedSum(ttlMs, now())
    this.withdrawal = percent === 0 ? SCALE + 1 : SCALE / percent
    this.reserve = minPerSecond * (ttlMs / 1000) * this.withdrawal
  }

  /** Records one call (the first attempt; retries do not deposit). */
  deposit (): void { this.window.add(SCALE, this.now()) }

  /** Takes one retry from the budget; false when it is spent. */
  tryWithdraw (): boolean {
    const now = this.now()
    if (this.window.sum(now) + this.reserve >= this.withdrawal) {
      this.window.add(-this.withdrawal, now)
      return true
    }
    return false
  }

  /** Retries available now. */
  balance (): number { return Math.floor((this.window.sum(this.now()) + this.reserve) / this.withdrawal) }
}
