/**
 * Client child: `node bench/dist/src/client.js <target> <addresses-json> <warmupMs> <durationMs> <payloads> <levels> [processWarmupMs]`
 * (`payloads` and `levels` comma-separated). With BENCH_SERVER_PIDS (comma-separated) in the environment it also
 * reports the servers' CPU time per call. Connects to every server, runs one measured phase per payload size and
 * in-flight level on the same connections, prints `{"results":[...]}`, then exits. First, for `processWarmupMs`,
 * sequential calls of the first payload, unmeasured (the process's JIT warm-up: see PROCESS_WARMUP_MS).
 */
import { emit, exitWithParent } from './harness/child.js'
import { runPhase, type PhaseResult } from './harness/load.js'
import { makePayload } from './payload.js'
import { isTargetName, TARGETS } from './targets/index.js'

const [name = '', addressesJson = '[]', warmup = '0', duration = '0', payloads = '', levels = '', processWarmup = '0'] = process.argv.slice(2)
if (!isTargetName(name)) {
  console.error(`unknown target "${name}"`)
  process.exit(2)
}
const csv = (s: string): number[] => s.split(',').filter((x) => x !== '').map(Number)
const target = await TARGETS[name].load()
const conn = await target.connect(JSON.parse(addressesJson) as unknown[])
exitWithParent(async () => { await conn.close() })
const serverPids = csv(process.env.BENCH_SERVER_PIDS ?? '')
const results: PhaseResult[] = []
const first = csv(payloads)[0]
if (first !== undefined && Number(processWarmup) > 0) {
  const payload = makePayload(first)
  const end = performance.now() + Number(processWarmup)
  while (performance.now() < end) await conn.call(payload).catch(async () => { await new Promise(resolve => setImmediate(resolve)) })
}
for (const bytes of csv(payloads)) {
  const payload = makePayload(bytes)
  const call = (): Promise<unknown> => conn.call(payload)
  for (const level of csv(levels)) {
    results.push(await runPhase(call, bytes, level, Number(warmup), Number(duration), serverPids))
  }
}
emit({ results })
await conn.close().catch(() => {})
process.exit(0)
