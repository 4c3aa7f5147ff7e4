/**
 * Client child of the first-calls measurement: `node client.js <target> <addresses-json> <seconds> <idle-seconds>
 * [<settle-ms>]`. From a fresh process, `settle-ms` after connecting (default 0), sequential 16-byte echo calls for `seconds`, counted per 250 ms window; then `idle-seconds`
 * without calls, and the same again. Prints `{"phases": [...]}`: per phase the calls per window, the time and the
 * client's CPU per call of the first 1,000 calls, and the client's CPU per call over the last 2 s, each also for
 * the main thread alone.
 */
import { readFileSync } from 'node:fs'
import { emit } from '../harness/child.js'
import { makePayload } from '../payload.js'
import { isTargetName, TARGETS } from '../targets/index.js'
import { WINDOW_MS } from './window.js'

const [name = '', addressesJson = '[]', seconds = '6', idleSeconds = '12', settleMs = '0'] = process.argv.slice(2)
if (!isTargetName(name)) throw new Error(`unknown target ${name}`)
const target = await TARGETS[name].load()
const conn = await target.connect(JSON.parse(addressesJson) as unknown[])
// a client that has been up a while before its first call: its join (identify, membership's first exchanges) done
await new Promise((resolve) => setTimeout(resolve, Number(settleMs)))
const payload = makePayload(16)
/** Calls whose time is measured from a fresh start. */
const FIRST_CALLS = 1000
/** How long a phase may run past its length for its first FIRST_CALLS calls to finish (a loaded machine), ms. */
const FIRST_CALLS_GRACE_MS = 30_000

/** CPU time of this process's main thread, µs (`/proc/self/task/<pid>/stat`, 10 ms ticks; NaN off Linux): the rest of `process.cpuUsage()` is V8's and libuv's worker threads (GC, background compilation). */
function mainThreadCpuUs (): number {
  try {
    const text = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) * 10_000
  } catch {
    return Number.NaN
  }
}

async function phase (ms: number): Promise<{ windows: number[], first1000Ms: number, first1000CpuUs: number, steadyCpuUs: number, first1000MainUs: number, steadyMainUs: number, rssMiB: number }> {
  const windows: number[] = []
  const cpu0 = process.cpuUsage()
  const main0 = mainThreadCpuUs()
  let first1000MainUs = Number.NaN
  let lastMain = main0
  let steadyMainUs = Number.NaN
  let first1000CpuUs = Number.NaN
  let lastCpu = cpu0
  let lastCalls = 0
  let steadyCpuUs = Number.NaN
  const t0 = performance.now()
  let calls = 0
  let first1000Ms = Number.NaN
  let count = 0
  let windowEnd = t0 + WINDOW_MS
  for (;;) {
    await conn.call(payload)
    calls++
    count++
    if (calls === FIRST_CALLS) {
      first1000Ms = performance.now() - t0
      const c = process.cpuUsage(cpu0)
      first1000CpuUs = (c.user + c.system) / 1000
      first1000MainUs = (mainThreadCpuUs() - main0) / 1000
    }
    const now = performance.now()
    if (now >= windowEnd) {
      windows.push(count)
      count = 0
      windowEnd += WINDOW_MS
      // the phase ends after `ms`, once its first calls are done (or when they cannot be, within the grace period:
      // then they are reported as not measured, NaN)
      if (now - t0 >= ms && (calls >= FIRST_CALLS || now - t0 >= ms + FIRST_CALLS_GRACE_MS)) {
        const c = process.cpuUsage(lastCpu)
        steadyCpuUs = (c.user + c.system) / (calls - lastCalls)
        steadyMainUs = (mainThreadCpuUs() - lastMain) / (calls - lastCalls)
        break
      }
      if (now - t0 < ms - 2000) { lastCpu = process.cpuUsage(); lastMain = mainThreadCpuUs(); lastCalls = calls }
    }
  }
  return { windows, first1000Ms, first1000CpuUs, steadyCpuUs, first1000MainUs, steadyMainUs, rssMiB: process.memoryUsage().rss / 2 ** 20 }
}

const first = await phase(Number(seconds) * 1000)
await new Promise((resolve) => setTimeout(resolve, Number(idleSeconds) * 1000))
const again = await phase(Number(seconds) * 1000)
emit({ phases: [first, again] })
await conn.close().catch(() => {})
process.exit(0)
