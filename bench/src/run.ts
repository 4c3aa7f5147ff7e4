/**
 * `npm run bench`: for each run, for each system and server count (1 and 4), start the server children, drive
 * them from a client child (every payload size x every in-flight level, on the same connections), stop them all;
 * then the memory measurement (bench/src/memory.ts); print medians and the goals, and write
 * docs/benchmarks.json, docs/benchmarks-memory.json, docs/benchmarks.md and its charts. See docs/benchmarks.md.
 */
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseBenchArgs } from './harness/args.js'
import { CLIENT_SLACK_MS } from './harness/defaults.js'
import { ratiosTable, resultsTables } from './harness/format.js'
import type { PhaseResult } from './harness/load.js'
import { describeMachine } from './harness/machine.js'
import { measureMemory } from './harness/memory.js'
import { BENCH_JSON, MEMORY_JSON, renderAll, writeJson } from './harness/render-all.js'
import { startServers } from './harness/servers.js'
import { spawnNode } from './harness/spawn.js'
import { summarise, type RunRecord } from './harness/summary.js'
import { frameworkTargets, pinnedTargets, routedTargets } from './harness/targets.js'
import { sizeLabel } from './payload.js'
import { LABELS, TARGETS, type TargetName } from './targets/index.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const CLIENT = fileURLToPath(new URL('./client.js', import.meta.url))

const opts = parseBenchArgs(process.argv.slice(2))
const argv = process.argv.length > 2 ? ' ' + process.argv.slice(2).join(' ') : ''
const command = process.env.npm_lifecycle_event === 'bench' && argv === '' ? 'npm run bench' : `node bench/dist/src/run.js${argv}`
const loadAtStart = loadavg().map((x) => Math.round(x * 100) / 100)

async function measure (target: TargetName, servers: number, run: number): Promise<RunRecord> {
  try {
    const group = await startServers(target, servers, opts.pin ? 0 : undefined)
    try {
      const args = [target, JSON.stringify(group.addresses), String(opts.warmupMs), String(opts.durationMs), opts.payloads.join(','), opts.levels.join(','), String(opts.processWarmupMs)]
      const client = spawnNode(CLIENT, args, `${target} client`, opts.pin ? 1 : undefined, { BENCH_SERVER_PIDS: group.pids.join(',') })
      try {
        const budget = opts.processWarmupMs + opts.payloads.length * opts.levels.length * (opts.warmupMs + opts.durationMs) * 2 + CLIENT_SLACK_MS
        const { results } = await client.waitFor<{ results: PhaseResult[] }>('results', budget)
        return { run, target, servers, results }
      } finally {
        await client.stop()
      }
    } finally {
      await group.stop()
    }
  } catch (err) {
    return { run, target, servers, results: [], error: String((err as Error).message ?? err) }
  }
}

const started = Date.now()
console.log(`peercall bench: ${opts.runs} run(s), warm-up ${opts.processWarmupMs} ms per client process and ${opts.warmupMs} ms per phase, ${opts.durationMs} ms per phase; payloads ${opts.payloads.map(sizeLabel).join(', ')}; in flight ${opts.levels.join(', ')}; servers ${opts.servers.join(', ')}; systems: ${opts.targets.join(', ')}`)
const records: RunRecord[] = []
for (let run = 1; run <= opts.runs; run++) {
  for (const target of opts.targets) {
    for (const servers of opts.servers.filter((n) => (TARGETS[target].servers as readonly number[]).includes(n))) {
      const rec = await measure(target, servers, run)
      records.push(rec)
      const line = rec.error !== undefined
        ? `FAILED: ${rec.error.split('\n')[0]}`
        : rec.results.map((r) => `${sizeLabel(r.payloadBytes)}/${r.inFlight}: ${r.callsPerSec}/s p50 ${r.p50Us}${r.errors > 0 ? ` (${r.errors} errors: ${r.firstError?.split('\n')[0] ?? ''})` : ''}`).join(' | ')
      console.log(`run ${run} ${target.padEnd(15)} x${servers} ${line}`)
    }
  }
}

const rows = summarise(records, LABELS, opts.targets)
const targets = { routed: routedTargets(rows), pinned: pinnedTargets(rows), frameworks: frameworkTargets(rows) }
console.log(`\nMedians of ${opts.runs} run(s):\n\n${resultsTables(rows, '##')}\n\nGoals, peercall routed:\n\n${ratiosTable(targets.routed)}\n\nGoals, peercall pinned:\n\n${ratiosTable(targets.pinned)}\n\nGoals against Moleculer 0.14/0.15 and @hyperswarm/rpc:\n\n${ratiosTable(targets.frameworks)}\n`)
if (opts.write) {
  writeJson(ROOT, BENCH_JSON, { generatedBy: command, machine: describeMachine(ROOT), loadAtStart, options: opts, results: rows, targets, runs: records })
}
if (opts.memory) {
  const memory = await measureMemory()
  console.log(`memory: idle peer RSS ${memory.idle.rssMB} MB, heapUsed ${memory.idle.heapUsedMB} MB; per connected peer RSS ${memory.slope.rssMBPerPeer} MB, heapUsed ${memory.slope.heapUsedMBPerPeer} MB`)
  if (opts.write) writeJson(ROOT, MEMORY_JSON, memory)
}
if (opts.write) console.log(`wrote ${renderAll(ROOT).join(', ')}`)
console.log(`took ${Math.round((Date.now() - started) / 1000)} s`)
process.exit(records.some((r) => r.error !== undefined) ? 1 : 0)
