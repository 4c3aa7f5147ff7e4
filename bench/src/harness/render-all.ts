import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { LABELS, SHORT_LABELS } from '../targets/index.js'
import type { BenchOptions } from './args.js'
import { writeCharts } from './charts.js'
import { renderMarkdown } from './docs.js'
import type { Machine } from './machine.js'
import type { MemoryReport } from './memory.js'
import type { SoakReport } from './soak-report.js'
import type { StreamsReport } from './streams-report.js'
import { summarise, type RunRecord } from './summary.js'
import { frameworkTargets, pinnedTargets, routedTargets } from './targets.js'

/** The generated files, under docs/. */
export const BENCH_JSON = 'benchmarks.json'
export const MEMORY_JSON = 'benchmarks-memory.json'
export const SOAK_JSON = 'soak.json'
export const STREAMS_JSON = 'benchmarks-streams.json'
export const BENCH_MD = 'benchmarks.md'

/** What `npm run bench` writes into docs/benchmarks.json (`results` and `targets` are derived from `runs`). */
export interface BenchFile {
  generatedBy: string
  machine: Machine
  loadAtStart: number[]
  options: BenchOptions
  runs: RunRecord[]
}

export function writeJson (root: string, name: string, obj: object): void {
  writeFileSync(join(root, 'docs', name), JSON.stringify(obj, null, 2) + '\n')
}

function readJson<T> (root: string, name: string): T | undefined {
  const file = join(root, 'docs', name)
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as T : undefined
}

/**
 * Renders docs/benchmarks.md and the charts from docs/benchmarks.json, docs/benchmarks-memory.json,
 * docs/soak.json and docs/benchmarks-streams.json (the last three optional); returns the files written.
 */
export function renderAll (root: string): string[] {
  const bench = readJson<BenchFile>(root, BENCH_JSON)
  if (bench === undefined) throw new Error(`no docs/${BENCH_JSON}: run npm run bench first`)
  const memory = readJson<MemoryReport>(root, MEMORY_JSON)
  const soak = readJson<SoakReport>(root, SOAK_JSON)
  const streams = readJson<StreamsReport>(root, STREAMS_JSON)
  const rows = summarise(bench.runs, LABELS, bench.options.targets)
  const docs = join(root, 'docs')
  const charts = writeCharts(docs, rows, SHORT_LABELS, bench.options.targets, memory, soak)
  const md = renderMarkdown({
    machine: bench.machine,
    loadAtStart: bench.loadAtStart,
    options: bench.options,
    command: bench.generatedBy,
    rows,
    routed: routedTargets(rows),
    pinned: pinnedTargets(rows),
    frameworks: frameworkTargets(rows),
    records: bench.runs,
    charts,
    ...(memory !== undefined ? { memory } : {}),
    ...(soak !== undefined ? { soak } : {}),
    ...(streams !== undefined ? { streams } : {})
  })
  writeFileSync(join(docs, BENCH_MD), md)
  return [join(docs, BENCH_MD), ...charts.map((c) => join(docs, c.file))]
}
