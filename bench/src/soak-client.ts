/**
 * The soak's client (run with --expose-gc): `node soak-client.js <addresses-json> <durationMs> <inFlight> <payloadBytes> <sampleMs>`.
 * Connects like the routed peercall target (membership shows every server hosting Echo), keeps `inFlight` calls
 * in flight for `durationMs`, and every `sampleMs` prints `{"sample":{tMs, calls, errors, ...memory}}` (memory
 * after a forced GC; calls and errors since the previous sample); at the end `{"done":{calls, errors, firstError}}`.
 */
import { emit, exitWithParent } from './harness/child.js'
import { sampleMemory } from './harness/memsample.js'
import { makePayload } from './payload.js'
import { target } from './targets/peercall.js'

const [addressesJson = '[]', duration = '0', inFlight = '64', bytes = '1024', sampleMs = '10000'] = process.argv.slice(2)
const conn = await target.connect(JSON.parse(addressesJson) as unknown[])
exitWithParent(async () => { await conn.close() })
const payload = makePayload(Number(bytes))
let calls = 0
let errors = 0
let firstError: string | undefined
let last = { calls: 0, errors: 0 }
const t0 = Date.now()
const end = t0 + Number(duration)
const timer = setInterval(() => {
  emit({ sample: { tMs: Date.now() - t0, calls: calls - last.calls, errors: errors - last.errors, ...sampleMemory() } })
  last = { calls, errors }
}, Number(sampleMs))
const worker = async (): Promise<void> => {
  while (Date.now() < end) {
    try {
      await conn.call(payload)
      calls++
    } catch (err) {
      errors++
      firstError ??= String((err as Error)?.stack ?? err)
    }
  }
}
await Promise.all(Array.from({ length: Number(inFlight) }, worker))
clearInterval(timer)
emit({ done: { calls, errors, seconds: (Date.now() - t0) / 1000, ...(firstError !== undefined ? { firstError } : {}) } })
await conn.close().catch(() => {})
process.exit(0)
