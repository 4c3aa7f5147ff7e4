/**
 * Load figures gossiped in each record: the RPC core's own (in-flight calls, EWMA latency) plus what this module
 * measures: event-loop delay (perf_hooks), CPU (process.cpuUsage) and memory (RSS).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { IntervalHistogram } from 'node:perf_hooks'

export interface Load {
  /** calls in flight on this peer (from the core) */
  inflight: number
  /** EWMA latency of calls served, ms (from the core) */
  latencyMs: number
  /** mean event-loop delay over the last period, ms (perf_hooks.monitorEventLoopDelay) */
  eventLoopDelayMs: number
  /** CPU used by this process over the last period, in cores (1 = one core busy) */
  cpu: number
  /** resident set size, MB */
  memoryMb: number
}

export const ZERO_LOAD: Load = Object.freeze({ inflight: 0, latencyMs: 0, eventLoopDelayMs: 0, cpu: 0, memoryMb: 0 })

/** Event-loop histogram resolution in ms (Node's default is 10 ms). */
export const EVENT_LOOP_RESOLUTION_MS = 10

/**
 * The histogram is never reset: each period's mean comes from the difference of the running totals (count and
 * count x mean) between two samples. `reset()` clears all of the histogram's counters (about 0.37 MB, one per
 * value range from 1 ns up) and so keeps every page of them resident; left alone, only the few counters near the
 * delays actually seen are ever written.
 */
export class LoadSampler {
  private readonly h: IntervalHistogram
  private lastCpu = process.cpuUsage()
  private lastAt = performance.now()
  private lastCount = 0
  private lastSumNs = 0

  constructor (private readonly core?: () => { inflight: number, latencyMs: number }) {
    this.h = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS })
    this.h.enable()
  }

  /** The figures since the previous sample. */
  sample (): Load {
    const now = performance.now()
    const cpu = process.cpuUsage(this.lastCpu)
    const wallUs = Math.max(1, (now - this.lastAt) * 1000)
    this.lastCpu = process.cpuUsage()
    this.lastAt = now
    const count = this.h.count
    const sumNs = count > 0 ? this.h.mean * count : 0
    const mean = count > this.lastCount ? (sumNs - this.lastSumNs) / (count - this.lastCount) / 1e6 : 0
    this.lastCount = count
    this.lastSumNs = sumNs
    let c = { inflight: 0, latencyMs: 0 }
    try { if (this.core !== undefined) c = this.core() } catch { /* the core's figures are best effort */ }
    return {
      inflight: finite(c.inflight),
      latencyMs: finite(c.latencyMs),
      eventLoopDelayMs: round(Math.max(0, mean - EVENT_LOOP_RESOLUTION_MS)),
      cpu: round((cpu.user + cpu.system) / wallUs),
      memoryMb: round(process.memoryUsage.rss() / (1024 * 1024))
    }
  }

  stop (): void { this.h.disable() }
}

function finite (x: unknown): number { return typeof x === 'number' && Number.isFinite(x) ? x : 0 }
function round (x: number): number { return Math.round(x * 100) / 100 }
