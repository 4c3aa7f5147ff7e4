/**
 * `npm run bench:soak [-- --minutes N]`: steady routed peercall load (SOAK_IN_FLIGHT calls of SOAK_PAYLOAD bytes
 * in flight across SOAK_SERVERS serving peers) for N minutes (default SOAK_MINUTES); the client and server 0 (both
 * with --expose-gc) sample RSS and heapUsed after a forced GC every SOAK_SAMPLE_MS. Writes docs/soak.json and
 * re-renders docs/benchmarks.md and its charts. A report: nothing is asserted.
 */
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { CLIENT_SLACK_MS, SOAK_IN_FLIGHT, SOAK_MINUTES, SOAK_PAYLOAD, SOAK_SAMPLE_MS, SOAK_SERVERS, SOAK_WARMUP_MS } from './harness/defaults.js'
import { describeMachine } from './harness/machine.js'
import { renderAll, SOAK_JSON, writeJson } from './harness/render-all.js'
import { startServers } from './harness/servers.js'
import { summariseSeries, type SoakReport, type SoakSample } from './harness/soak-report.js'
import { spawnNode } from './harness/spawn.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const CLIENT = fileURLToPath(new URL('./soak-client.js', import.meta.url))

const { values } = parseArgs({ args: process.argv.slice(2), options: { minutes: { type: 'string' }, 'no-write': { type: 'boolean' } } })
const minutes = values.minutes === undefined ? SOAK_MINUTES : Number(values.minutes)
if (!Number.isFinite(minutes) || minutes <= 0) throw new Error(`--minutes: not a positive number: ${values.minutes}`)
const durationMs = Math.round(minutes * 60_000)
const warmupMs = Math.min(SOAK_WARMUP_MS, durationMs / 2)
const argv = process.argv.length > 2 ? ' ' + process.argv.slice(2).join(' ') : ''
const command = process.env.npm_lifecycle_event === 'bench:soak' && argv === '' ? 'npm run bench:soak' : `node bench/dist/src/soak.js${argv}`

console.log(`peercall soak: ${minutes} min, ${SOAK_IN_FLIGHT} in flight, ${SOAK_SERVERS} servers, ${SOAK_PAYLOAD} B echo, sample every ${SOAK_SAMPLE_MS / 1000} s`)
const env = { BENCH_SAMPLE_MS: String(SOAK_SAMPLE_MS) }
const group = await startServers('peercall', SOAK_SERVERS, undefined, env, ['--expose-gc'])
let report: SoakReport
try {
  const args = [JSON.stringify(group.addresses), String(durationMs), String(SOAK_IN_FLIGHT), String(SOAK_PAYLOAD), String(SOAK_SAMPLE_MS)]
  const client = spawnNode(CLIENT, args, 'soak client', undefined, undefined, ['--expose-gc'])
  try {
    const progress = setInterval(() => {
      const s = client.all<SoakSample>('sample').at(-1)
      if (s !== undefined) console.log(`${(s.tMs / 60_000).toFixed(1)} min: ${Math.round((s.calls ?? 0) / (SOAK_SAMPLE_MS / 1000))} calls/s, client RSS ${s.rssMB} MB heapUsed ${s.heapUsedMB} MB, errors ${s.errors ?? 0}`)
    }, SOAK_SAMPLE_MS)
    const { done } = await client.waitFor<{ done: { calls: number, errors: number, seconds: number, firstError?: string } }>('done', durationMs + CLIENT_SLACK_MS)
    clearInterval(progress)
    const clientSamples = client.all<SoakSample>('sample')
    const serverSamples = group.children[0].all<SoakSample>('sample')
    const machine = describeMachine(ROOT)
    report = {
      generatedBy: command,
      date: machine.date,
      node: process.version,
      ...(machine.git !== undefined ? { git: machine.git } : {}),
      minutes,
      sampleMs: SOAK_SAMPLE_MS,
      warmupMs,
      inFlight: SOAK_IN_FLIGHT,
      servers: SOAK_SERVERS,
      payloadBytes: SOAK_PAYLOAD,
      calls: done.calls,
      errors: done.errors,
      ...(done.firstError !== undefined ? { firstError: done.firstError } : {}),
      callsPerSec: Math.round(done.calls / done.seconds),
      client: clientSamples,
      server: serverSamples,
      summary: { client: summariseSeries(clientSamples, warmupMs), server: summariseSeries(serverSamples, warmupMs) }
    }
  } finally {
    await client.stop()
  }
} finally {
  await group.stop()
}
const { client: c, server: s } = report.summary
console.log(`soak: ${report.calls} calls (${report.callsPerSec}/s), ${report.errors} errors`)
console.log(`client RSS ${c.first.rssMB} -> ${c.last.rssMB} MB (max ${c.max.rssMB}), heapUsed ${c.first.heapUsedMB} -> ${c.last.heapUsedMB} MB; slope after warm-up ${c.slopePerMin.rssMB} MB/min RSS, ${c.slopePerMin.heapUsedMB} MB/min heap`)
console.log(`server RSS ${s.first.rssMB} -> ${s.last.rssMB} MB (max ${s.max.rssMB}), heapUsed ${s.first.heapUsedMB} -> ${s.last.heapUsedMB} MB; slope after warm-up ${s.slopePerMin.rssMB} MB/min RSS, ${s.slopePerMin.heapUsedMB} MB/min heap`)
if (values['no-write'] !== true) {
  writeJson(ROOT, SOAK_JSON, report)
  console.log(`wrote ${renderAll(ROOT).join(', ')}`)
}
process.exit(0)
