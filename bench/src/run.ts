/**
 * `npm run bench`: for each run, for each system, start its server in a child process, drive it from a client
 * child process (sequential, then 64 in flight), stop both; then print medians and issue 2's ratios and write
 * docs/benchmarks.md and docs/benchmarks.json. See docs/benchmarks.md for the method.
 */
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseBenchArgs } from './harness/args.js'
import { CLIENT_SLACK_MS, IN_FLIGHT_CONCURRENT, SERVER_READY_TIMEOUT_MS } from './harness/defaults.js'
import { writeDocs } from './harness/docs.js'
import { ratiosTable, resultsTable } from './harness/format.js'
import type { PhaseResult } from './harness/load.js'
import { describeMachine } from './harness/machine.js'
import { spawnNode } from './harness/spawn.js'
import { ratios, summarise, type RunRecord } from './harness/summary.js'
import { TARGETS, type TargetName } from './targets/index.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const SERVER = fileURLToPath(new URL('./server.js', import.meta.url))
const CLIENT = fileURLToPath(new URL('./client.js', import.meta.url))
const LEVELS = [1, IN_FLIGHT_CONCURRENT]

const opts = parseBenchArgs(process.argv.slice(2))
const argv = process.argv.length > 2 ? ' ' + process.argv.slice(2).join(' ') : ''
const command = process.env.npm_lifecycle_event === 'bench' && argv === '' ? 'npm run bench' : `node bench/dist/src/run.js${argv}`
const loadAtStart = loadavg().map((x) => Math.round(x * 100) / 100)

async function measure (target: TargetName, run: number): Promise<RunRecord> {
  const server = spawnNode(SERVER, [target], `${target} server`, opts.pin ? 0 : undefined)
  try {
    const ready = await server.waitFor<{ address: unknown, pid: number }>('ready', SERVER_READY_TIMEOUT_MS)
    const client = spawnNode(CLIENT, [target, JSON.stringify(ready.address), String(opts.warmupMs), String(opts.durationMs), ...LEVELS.map(String)], `${target} client`, opts.pin ? 1 : undefined, { BENCH_SERVER_PID: String(ready.pid) })
    try {
      const budget = LEVELS.length * (opts.warmupMs + opts.durationMs) * 2 + CLIENT_SLACK_MS
      const { results } = await client.waitFor<{ results: PhaseResult[] }>('results', budget)
      return { run, target, results }
    } finally {
      await client.stop()
    }
  } catch (err) {
    return { run, target, results: [], error: String((err as Error).message ?? err) }
  } finally {
    await server.stop()
  }
}

const started = Date.now()
console.log(`peercall bench: ${opts.runs} run(s), warm-up ${opts.warmupMs} ms, ${opts.durationMs} ms per mode, in flight ${LEVELS.join(' and ')}; systems: ${opts.targets.join(', ')}`)
const records: RunRecord[] = []
for (let run = 1; run <= opts.runs; run++) {
  for (const target of opts.targets) {
    const rec = await measure(target, run)
    records.push(rec)
    const line = rec.error !== undefined
      ? `FAILED: ${rec.error.split('\n')[0]}`
      : rec.results.map((r) => `${r.inFlight}: ${r.callsPerSec} calls/s p50 ${r.p50Us} µs p99 ${r.p99Us} µs${r.errors > 0 ? ` (${r.errors} errors: ${r.firstError?.split('\n')[0] ?? ''})` : ''}`).join(' | ')
    console.log(`run ${run} ${target.padEnd(12)} ${line}`)
  }
}

const labels = Object.fromEntries(Object.entries(TARGETS).map(([k, v]) => [k, v.label]))
const rows = summarise(records, labels, opts.targets, LEVELS)
const rs = ratios(rows)
console.log(`\nMedians of ${opts.runs} run(s):\n\n${resultsTable(rows)}\n\nTargets (issue 2):\n\n${ratiosTable(rs)}\n`)
if (opts.write) {
  const files = writeDocs(ROOT, { machine: describeMachine(ROOT), loadAtStart, options: opts, command, rows, ratios: rs, records })
  console.log(`wrote ${files.join(', ')}`)
}
console.log(`took ${Math.round((Date.now() - started) / 1000)} s`)
process.exit(records.some((r) => r.error !== undefined) ? 1 : 0)
