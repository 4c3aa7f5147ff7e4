/**
 * Client child of the first-calls measurement: `node client.js <target> <addresses-json> <seconds> <idle-seconds>`.
 * From a fresh process, sequential 16-byte echo calls for `seconds`, counted per 250 ms window; then `idle-seconds`
 * without calls, and the same again. Prints `{"phases": [...]}`: per phase the calls per window, the time and the
 * client's CPU per call of the first 1,000 calls, and the client's CPU per call over the last 2 s.
 */
import { emit } from '../harness/child.js'
import { makePayload } from '../payload.js'
import { isTargetName, TARGETS } from '../targets/index.js'
import { WINDOW_MS } from './window.js'

const [name = '', addressesJson = '[]', seconds = '6', idleSeconds = '12'] = process.argv.slice(2)
if (!isTargetName(name)) throw new Error(`unknown target ${name}`)
const target = await TARGETS[name].load()
const conn = await target.connect(JSON.parse(addressesJson) as unknown[])
const payload = makePayload(16)

async function phase (ms: number): Promise<{ windows: number[], first1000Ms: number, first1000CpuUs: number, steadyCpuUs: number }> {
  const windows: number[] = []
  const cpu0 = process.cpuUsage()
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
    if (calls === 1000) {
      first1000Ms = performance.now() - t0
      const c = process.cpuUsage(cpu0)
      first1000CpuUs = (c.user + c.system) / 1000
    }
    const now = performance.now()
    if (now >= windowEnd) {
      windows.push(count)
      count = 0
      windowEnd += WINDOW_MS
      if (now - t0 >= ms) {
        const c = process.cpuUsage(lastCpu)
        steadyCpuUs = (c.user + c.system) / (calls - lastCalls)
        break
      }
      if (now - t0 < ms - 2000) { lastCpu = process.cpuUsage(); lastCalls = calls }
    }
  }
  return { windows, first1000Ms, first1000CpuUs, steadyCpuUs }
}

const first = await phase(Number(seconds) * 1000)
await new Promise((resolve) => setTimeout(resolve, Number(idleSeconds) * 1000))
const again = await phase(Number(seconds) * 1000)
emit({ phases: [first, again] })
await conn.close().catch(() => {})
process.exit(0)
