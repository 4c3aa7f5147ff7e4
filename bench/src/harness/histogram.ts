import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks'
import { HISTOGRAM_FIGURES, HISTOGRAM_HIGHEST_NS } from './defaults.js'

/** Latency summary in microseconds. */
export interface LatencySummary {
  p50Us: number
  p99Us: number
  meanUs: number
  maxUs: number
}

/** Records call latencies in ns into an HDR histogram (`perf_hooks.createHistogram`). */
export class LatencyRecorder {
  #h: RecordableHistogram = createHistogram({ lowest: 1, highest: HISTOGRAM_HIGHEST_NS, figures: HISTOGRAM_FIGURES })

  /** Record the time since `startMs` (a `performance.now()` reading). */
  recordSince (startMs: number): void {
    const ns = Math.round((performance.now() - startMs) * 1e6)
    this.#h.record(ns < 1 ? 1 : ns)
  }

  get count (): number {
    return this.#h.count
  }

  reset (): void {
    this.#h.reset()
  }

  summary (): LatencySummary {
    const us = (ns: number): number => Math.round(ns / 100) / 10
    return {
      p50Us: us(this.#h.percentile(50)),
      p99Us: us(this.#h.percentile(99)),
      meanUs: us(this.#h.mean),
      maxUs: us(this.#h.max)
    }
  }
}
