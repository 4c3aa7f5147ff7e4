import type { PhaseResult } from './load.js'
import { median } from './stats.js'

/** One client child's phases for one target and server count in one run (or why it failed). */
export interface RunRecord {
  run: number
  target: string
  /** Server processes the client spread its calls over. */
  servers: number
  results: PhaseResult[]
  error?: string
}

/** Where a figure was measured: system, server count, payload and in-flight level. */
export interface Config {
  target: string
  servers: number
  payloadBytes: number
  inFlight: number
}

export interface PerRun { run: number, callsPerSec: number, mbPerSec: number, p50Us: number, p99Us: number }

/** Medians over the runs of one configuration. */
export interface Row extends Config {
  label: string
  runs: number
  callsPerSec: number
  /** Payload throughput each way, in MB/s (10^6 bytes): calls/s x payload bytes. */
  mbPerSec: number
  p50Us: number
  p99Us: number
  /** Median CPU time per call, in µs, of the client process and of the server processes summed (null if unknown). */
  clientCpuUs: number
  serverCpuUs: number | null
  errors: number
  perRun: PerRun[]
}

const mb = (callsPerSec: number, bytes: number): number => Math.round(callsPerSec * bytes / 1e4) / 100

/** Every configuration present in `records`, in the order of `targets`, server count, payload, level. */
export function summarise (records: RunRecord[], labels: Record<string, string>, targets: string[]): Row[] {
  const rows: Row[] = []
  const uniq = (xs: number[]): number[] => [...new Set(xs)].sort((a, b) => a - b)
  for (const target of targets) {
    const mine = records.filter((r) => r.target === target && r.error === undefined)
    for (const servers of uniq(mine.map((r) => r.servers))) {
      const phases = mine.filter((r) => r.servers === servers).flatMap((r) => r.results.map((p) => ({ run: r.run, p })))
      for (const payloadBytes of uniq(phases.map((x) => x.p.payloadBytes))) {
        for (const inFlight of uniq(phases.filter((x) => x.p.payloadBytes === payloadBytes).map((x) => x.p.inFlight))) {
          const perRun = phases.filter((x) => x.p.payloadBytes === payloadBytes && x.p.inFlight === inFlight)
          const callsPerSec = Math.round(median(perRun.map((x) => x.p.callsPerSec)))
          rows.push({
            target,
            label: labels[target] ?? target,
            servers,
            payloadBytes,
            inFlight,
            runs: perRun.length,
            callsPerSec,
            mbPerSec: mb(callsPerSec, payloadBytes),
            p50Us: median(perRun.map((x) => x.p.p50Us)),
            p99Us: median(perRun.map((x) => x.p.p99Us)),
            clientCpuUs: median(perRun.map((x) => x.p.clientCpuUsPerCall)),
            serverCpuUs: perRun.every((x) => x.p.serverCpuUsPerCall !== undefined) ? median(perRun.map((x) => x.p.serverCpuUsPerCall ?? 0)) : null,
            errors: perRun.reduce((n, x) => n + x.p.errors, 0),
            perRun: perRun.map((x) => ({ run: x.run, callsPerSec: x.p.callsPerSec, mbPerSec: mb(x.p.callsPerSec, payloadBytes), p50Us: x.p.p50Us, p99Us: x.p.p99Us }))
          })
        }
      }
    }
  }
  return rows
}

export function pick (rows: Row[], c: Config): Row | undefined {
  return rows.find((r) => r.target === c.target && r.servers === c.servers && r.payloadBytes === c.payloadBytes && r.inFlight === c.inFlight)
}
