/**
 * `node bench/dist/src/render.js [docs/benchmarks.json]`: re-renders docs/benchmarks.md from the raw figures of
 * an earlier run (after a change to the report's wording or summary), without measuring again. The figures, date
 * and machine stay those of the run that produced the JSON.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BenchOptions } from './harness/args.js'
import { IN_FLIGHT_CONCURRENT } from './harness/defaults.js'
import { renderMarkdown } from './harness/docs.js'
import type { Machine } from './harness/machine.js'
import { ratios, summarise, type RunRecord } from './harness/summary.js'
import { TARGETS } from './targets/index.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const file = process.argv[2] ?? join(ROOT, 'docs', 'benchmarks.json')
const raw = JSON.parse(readFileSync(file, 'utf8')) as {
  generatedBy: string, machine: Machine, loadAtStart?: number[], options: BenchOptions, runs: RunRecord[]
}
const labels = Object.fromEntries(Object.entries(TARGETS).map(([k, v]) => [k, v.label]))
const rows = summarise(raw.runs, labels, raw.options.targets, [1, IN_FLIGHT_CONCURRENT])
const md = renderMarkdown({
  machine: raw.machine,
  loadAtStart: raw.loadAtStart ?? raw.machine.loadAvg,
  options: raw.options,
  command: raw.generatedBy,
  rows,
  ratios: ratios(rows),
  records: raw.runs
})
const out = join(ROOT, 'docs', 'benchmarks.md')
writeFileSync(out, md)
console.log(`re-rendered ${out} from ${file}`)
