/**
 * Client child of `flag-cost.ts`: `node flag-cost-client.js <addresses-json> <seconds> <server-pid> [in-flight]`.
 * Echo calls of 16 bytes, 64 (or `in-flight`) at a time on a pinned connection, 3 s of warm-up, then `seconds` measured; prints
 * `{"cost": {callsPerSec, clientUs, serverUs}}` (CPU µs per call of each process, user + system).
 */
import { emit } from '../harness/child.js'
import { processCpuMs } from '../harness/cpu.js'
import { makePayload } from '../payload.js'
import { TARGETS } from '../targets/index.js'

/** Calls in flight unless given. */
const IN_FLIGHT = 64
/** Warm-up before the measured window, ms. */
const WARM_UP_MS = 3000

const [addressesJson = '[]', seconds = '6', serverPid = '0', inFlight = String(IN_FLIGHT)] = process.argv.slice(2)
const target = await TARGETS['peercall-pinned'].load()
const conn = await target.connect(JSON.parse(addressesJson) as unknown[])
const payload = makePayload(16)

/** CPU time of a process so far, µs (the harness's /proc reading). */
function cpuUs (pid: number): number {
  return (processCpuMs(pid) ?? 0) * 1000
}

async function run (ms: number): Promise<number> {
  let calls = 0
  const end = performance.now() + ms
  await Promise.all(Array.from({ length: Number(inFlight) }, async () => { while (performance.now() < end) { await conn.call(payload); calls++ } }))
  return calls
}

await run(WARM_UP_MS)
const c0 = process.cpuUsage()
const s0 = cpuUs(Number(serverPid))
const t0 = performance.now()
const calls = await run(Number(seconds) * 1000)
const c = process.cpuUsage(c0)
const secs = (performance.now() - t0) / 1000
const round = (x: number): number => Math.round(x * 10) / 10
emit({ cost: { callsPerSec: Math.round(calls / secs), clientUs: round((c.user + c.system) / calls), serverUs: round((cpuUs(Number(serverPid)) - s0) / calls) } })
