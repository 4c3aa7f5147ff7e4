import type { PhaseResult } from './load.js'
import { median } from './stats.js'
import { IN_FLIGHT_CONCURRENT } from './defaults.js'

/** One client child's phases for one target in one run (or why it failed). */
export interface RunRecord {
  run: number
  target: string
  results: PhaseResult[]
  error?: string
}

/** Medians over the runs of one target at one in-flight level. */
export interface Row {
  target: string
  label: string
  inFlight: number
  runs: number
  callsPerSec: number
  p50Us: number
  p99Us: number
  /** Median CPU time per call, in µs, of the client process and of the server process (null if unknown). */
  clientCpuUs: number
  serverCpuUs: number | null
  errors: number
  perRun: Array<{ run: number, callsPerSec: number, p50Us: number, p99Us: number }>
}

export function summarise (records: RunRecord[], labels: Record<string, string>, targets: string[], levels: number[]): Row[] {
  const rows: Row[] = []
  for (const target of targets) {
    for (const inFlight of levels) {
      const perRun = records
        .filter((r) => r.target === target && r.error === undefined)
        .flatMap((r) => r.results.filter((p) => p.inFlight === inFlight).map((p) => ({ run: r.run, p })))
      if (perRun.length === 0) continue
      rows.push({
        target,
        label: labels[target] ?? target,
        inFlight,
        runs: perRun.length,
        callsPerSec: Math.round(median(perRun.map((x) => x.p.callsPerSec))),
        p50Us: median(perRun.map((x) => x.p.p50Us)),
        p99Us: median(perRun.map((x) => x.p.p99Us)),
        clientCpuUs: median(perRun.map((x) => x.p.clientCpuUsPerCall)),
        serverCpuUs: perRun.every((x) => x.p.serverCpuUsPerCall !== undefined) ? median(perRun.map((x) => x.p.serverCpuUsPerCall ?? 0)) : null,
        errors: perRun.reduce((n, x) => n + x.p.errors, 0),
        perRun: perRun.map((x) => ({ run: x.run, callsPerSec: x.p.callsPerSec, p50Us: x.p.p50Us, p99Us: x.p.p99Us }))
      })
    }
  }
  return rows
}

/** A target of issue 2, as a ratio between two figures of the same run set. */
export interface Ratio {
  name: string
  /** Human-readable goal, e.g. ">= 10". */
  goal: string
  value: number | null
  /** Ratios computed within each run (same run, same machine state), to show the spread. */
  perRun: number[]
  /** Median of the per-run ratios; can differ from `value` (the ratio of the medians). */
  perRunMedian: number | null
  pass: boolean | null
  /** Verdict of the per-run median, when it differs from `pass`. */
  perRunPass?: boolean
  note?: string
}

function pick (rows: Row[], target: string, inFlight: number): Row | undefined {
  return rows.find((r) => r.target === target && r.inFlight === inFlight)
}

function ratio (
  rows: Row[], name: string, goal: string, ok: (v: number) => boolean,
  a: [string, number], b: [string, number], field: 'callsPerSec' | 'p50Us'
): Ratio {
  const ra = pick(rows, ...a)
  const rb = pick(rows, ...b)
  if (ra === undefined || rb === undefined) {
    const missing = [ra === undefined ? a[0] : null, rb === undefined ? b[0] : null].filter((x) => x !== null).join(', ')
    return { name, goal, value: null, perRun: [], perRunMedian: null, pass: null, note: `not measured: ${missing}` }
  }
  const value = ra[field] / rb[field]
  const perRun = ra.perRun.flatMap((x) => {
    const y = rb.perRun.find((z) => z.run === x.run)
    return y === undefined ? [] : [Math.round((x[field] / y[field]) * 100) / 100]
  })
  const perRunMedian = perRun.length > 0 ? Math.round(median(perRun) * 100) / 100 : null
  const pass = ok(value)
  const perRunPass = perRunMedian === null ? pass : ok(perRunMedian)
  return { name, goal, value: Math.round(value * 100) / 100, perRun, perRunMedian, pass, ...(perRunPass !== pass ? { perRunPass } : {}) }
}

/** The four targets of issue 2's benchmark section. */
export function ratios (rows: Row[]): Ratio[] {
  const C = IN_FLIGHT_CONCURRENT
  return [
    ratio(rows, `${C} in flight: peercall / grpc-js calls/s`, '>= 10', (v) => v >= 10, ['peercall', C], ['grpc', C], 'callsPerSec'),
    ratio(rows, `${C} in flight: peercall / raw node:net calls/s`, '>= 0.3', (v) => v >= 0.3, ['peercall', C], ['net', C], 'callsPerSec'),
    ratio(rows, 'sequential p50: peercall / bare libp2p ping-pong', '<= 1.2', (v) => v <= 1.2, ['peercall', 1], ['libp2p-echo', 1], 'p50Us'),
    ratio(rows, 'sequential p50: peercall / grpc-js', '< 1', (v) => v < 1, ['peercall', 1], ['grpc', 1], 'p50Us')
  ]
}
