import type { MemorySample } from './memsample.js'
import { slope } from './memory.js'

/** One soak sample: memory after a forced GC, `tMs` after the process's load began (client) or it started (server). */
export interface SoakSample extends MemorySample {
  tMs: number
  /** Client only: calls and errors since the previous sample. */
  calls?: number
  errors?: number
}

export interface SoakSeriesSummary {
  first: { rssMB: number, heapUsedMB: number }
  last: { rssMB: number, heapUsedMB: number }
  max: { rssMB: number, heapUsedMB: number }
  /** Least-squares slope over the samples after warm-up, in MB per minute. */
  slopePerMin: { rssMB: number, heapUsedMB: number }
  samplesAfterWarmup: number
}

export interface SoakReport {
  generatedBy: string
  date: string
  node: string
  git?: string
  minutes: number
  sampleMs: number
  warmupMs: number
  inFlight: number
  servers: number
  payloadBytes: number
  calls: number
  errors: number
  firstError?: string
  callsPerSec: number
  client: SoakSample[]
  server: SoakSample[]
  summary: { client: SoakSeriesSummary, server: SoakSeriesSummary }
}

const r2 = (x: number): number => Math.round(x * 100) / 100
const r4 = (x: number): number => Math.round(x * 10_000) / 10_000

export function summariseSeries (samples: SoakSample[], warmupMs: number): SoakSeriesSummary {
  const pick = (s: SoakSample | undefined): { rssMB: number, heapUsedMB: number } => ({ rssMB: s?.rssMB ?? Number.NaN, heapUsedMB: s?.heapUsedMB ?? Number.NaN })
  const after = samples.filter((s) => s.tMs >= warmupMs)
  const minutes = after.map((s) => s.tMs / 60_000)
  return {
    first: pick(samples[0]),
    last: pick(samples[samples.length - 1]),
    max: { rssMB: Math.max(...samples.map((s) => s.rssMB)), heapUsedMB: Math.max(...samples.map((s) => s.heapUsedMB)) },
    slopePerMin: { rssMB: r4(slope(minutes, after.map((s) => s.rssMB))), heapUsedMB: r4(slope(minutes, after.map((s) => s.heapUsedMB))) },
    samplesAfterWarmup: after.length
  }
}

export { r2 }
