/**
 * RPC traffic of the scale benchmark: routed `Calculator.add` calls at a fixed rate from one client node.
 */
import type { PeercallNode } from '@peercall/core'
import { CALL_TIMEOUT_MS } from './constants.js'

export class Traffic {
  ok = 0
  failed = 0
  readonly latenciesMs: number[] = []
  private timer: ReturnType<typeof setInterval> | undefined

  constructor (private readonly client: PeercallNode, private readonly perSecond: number) {}

  start (): void {
    if (this.timer !== undefined) return
    this.timer = setInterval(() => { void this.one() }, 1000 / this.perSecond)
  }

  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Clear the counters (a new measurement window). */
  reset (): void {
    this.ok = 0
    this.failed = 0
    this.latenciesMs.length = 0
  }

  private async one (): Promise<void> {
    const t0 = performance.now()
    try {
      await this.client.call('Calculator', 'add', [1, 2], { timeoutMs: CALL_TIMEOUT_MS })
      this.ok++
      // bounded: keep at most one window's worth of samples at the configured rate
      if (this.latenciesMs.length < 100_000) this.latenciesMs.push(performance.now() - t0)
    } catch {
      this.failed++
    }
  }
}
