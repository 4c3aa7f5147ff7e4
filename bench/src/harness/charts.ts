import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { lineChart, type Series } from '../scale/svg.js'
import { sizeLabel } from '../payload.js'
import type { MemoryReport } from './memory.js'
import type { SoakReport } from './soak-report.js'
import { pick, type Row } from './summary.js'

/** Directory of the generated charts, under docs/. */
export const CHART_DIR = 'benchmarks-charts'

export interface Chart { file: string, title: string }

const uniq = (xs: number[]): number[] => [...new Set(xs)].sort((a, b) => a - b)
const servers = (n: number): string => n === 1 ? '1 server' : `${n} servers`

/** Writes the SVG charts into docs/CHART_DIR; returns them (paths relative to docs/) for the links. */
export function writeCharts (docsDir: string, rows: Row[], labels: Record<string, string>, targets: string[], memory?: MemoryReport, soak?: SoakReport): Chart[] {
  // one colour per system in every chart, whichever systems a chart has
  const colourOf = (t: string): number => Math.max(0, targets.indexOf(t))
  mkdirSync(join(docsDir, CHART_DIR), { recursive: true })
  const charts: Chart[] = []
  const write = (name: string, title: string, svg: string): void => {
    writeFileSync(join(docsDir, CHART_DIR, name), svg)
    charts.push({ file: `${CHART_DIR}/${name}`, title })
  }
  const present = targets.filter((t) => rows.some((r) => r.target === t))
  for (const n of uniq(rows.map((r) => r.servers))) {
    for (const bytes of uniq(rows.filter((r) => r.servers === n).map((r) => r.payloadBytes))) {
      const xs = uniq(rows.filter((r) => r.servers === n && r.payloadBytes === bytes).map((r) => r.inFlight))
      const sys = present.filter((t) => rows.some((r) => r.target === t && r.servers === n && r.payloadBytes === bytes))
      const series = (f: (r: Row) => number): Series[] =>
        sys.map((t) => ({ name: labels[t] ?? t, colour: colourOf(t), ys: xs.map((inFlight) => { const r = pick(rows, { target: t, servers: n, payloadBytes: bytes, inFlight }); return r === undefined ? undefined : f(r) }) }))
      const tag = `${bytes}b-${n}s`
      const what = `${sizeLabel(bytes)} echo, ${servers(n)}`
      write(`calls-${tag}.svg`, `calls/s, ${what}`, lineChart({ title: `Calls/s, ${what}`, xLabel: 'calls in flight (log scale)', yLabel: 'calls/s (median)', xs, logX: true, series: series((r) => r.callsPerSec) }))
      write(`latency-${tag}.svg`, `p50 and p99 latency, ${what}`, lineChart({
        title: `Latency, ${what}: p50 (solid), p99 (dashed)`,
        xLabel: 'calls in flight (log scale)',
        yLabel: 'µs (log scale)',
        xs,
        logX: true,
        logY: true,
        series: [...series((r) => r.p50Us), ...series((r) => r.p99Us).map((s) => ({ ...s, name: `${s.name} p99`, dashed: true, legend: false }))]
      }))
    }
  }
  if (memory !== undefined) {
    const xs = memory.steps.map((s) => s.peers)
    write('memory-per-peer.svg', 'memory of one peer by connected peers', lineChart({
      title: 'Measured peer memory after GC, by connected peers',
      xLabel: 'other peers connected',
      yLabel: 'MB',
      xs,
      series: [{ name: 'RSS', ys: memory.steps.map((s) => s.rssMB) }, { name: 'heapUsed', ys: memory.steps.map((s) => s.heapUsedMB) }]
    }))
  }
  if (soak !== undefined && soak.client.length > 0) {
    // the client's and the server's samples are taken on their own clocks; plot both against the client's sample index
    const xs = soak.client.map((s) => Math.round(s.tMs / 6_000) / 10)
    const at = (i: number, key: 'rssMB' | 'heapUsedMB'): number | undefined => soak.server[i]?.[key]
    write('soak-memory.svg', 'soak: memory over time', lineChart({
      title: `Soak: ${soak.inFlight} in flight over ${soak.servers} servers, memory after GC`,
      xLabel: 'minutes',
      yLabel: 'MB',
      xs,
      series: [
        { name: 'client RSS', ys: soak.client.map((s) => s.rssMB) },
        { name: 'client heapUsed', ys: soak.client.map((s) => s.heapUsedMB) },
        { name: 'server 0 RSS', ys: xs.map((_, i) => at(i, 'rssMB')), dashed: true },
        { name: 'server 0 heapUsed', ys: xs.map((_, i) => at(i, 'heapUsedMB')), dashed: true }
      ]
    }))
  }
  return charts
}
