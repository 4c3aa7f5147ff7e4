/**
 * Client child of the sequential A/B (`main.ts`), forked with an IPC channel: `node client.js <target>
 * <addresses-json>`. Connects, sends `{ ready: true }`, then answers each message of the parent:
 * `{ slice: ms }` runs sequential 16-byte echo calls for that long and answers the slice's figures;
 * `{ idle: ms }` makes no calls for that long and answers this process's CPU and socket writes per second
 * (its background work); `{ exit: true }` closes the connection and exits.
 */
import { createHook } from 'node:async_hooks'
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { LatencyRecorder } from '../harness/histogram.js'
import { makePayload } from '../payload.js'
import { isTargetName, TARGETS } from '../targets/index.js'

export interface SliceResult {
  calls: number
  callsPerSec: number
  p50Us: number
  p99Us: number
  /** This process's CPU per call, µs. */
  clientCpuUs: number
  /** Socket writes (`syscw` of /proc/self/io) per call; NaN off Linux. */
  writes: number
  /** Async resources made per call, by type (with `--count` only). */
  resources?: Record<string, number>
}

export interface IdleResult {
  cpuMsPerSec: number
  writesPerSec: number
}

/** The parent's messages. */
export type Command = { slice: number } | { idle: number } | { exit: true }

const [name = '', addressesJson = '[]'] = process.argv.slice(2)
if (!isTargetName(name) || process.send === undefined) throw new Error(`usage: fork client.js <target> <addresses-json> (target ${name})`)
const send = process.send.bind(process)
const target = await TARGETS[name].load()
const conn = await target.connect(JSON.parse(addressesJson) as unknown[])
const payload = makePayload(16)

/** Write syscalls of this process so far; NaN off Linux. */
function syscw (): number {
  try {
    return Number(/syscw:\s*(\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? Number.NaN)
  } catch {
    return Number.NaN
  }
}

const counts = new Map<string, number>()
let counting = false
if (process.env.SEQ_AB_COUNT === '1') {
  createHook({ init (_id, type) { if (counting) counts.set(type, (counts.get(type) ?? 0) + 1) } }).enable()
}

async function slice (ms: number): Promise<SliceResult> {
  const rec = new LatencyRecorder()
  counts.clear()
  counting = true
  const cpu0 = process.cpuUsage()
  const w0 = syscw()
  const t0 = performance.now()
  const end = t0 + ms
  let calls = 0
  while (performance.now() < end) {
    const t = performance.now()
    await conn.call(payload)
    rec.recordSince(t)
    calls++
  }
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const writes = syscw() - w0
  counting = false
  const s = rec.summary()
  const per = (x: number): number => calls === 0 ? Number.NaN : x / calls
  return {
    calls,
    callsPerSec: Math.round(calls / seconds),
    p50Us: s.p50Us,
    p99Us: s.p99Us,
    clientCpuUs: per(cpu.user + cpu.system),
    writes: per(writes),
    ...(counts.size > 0 ? { resources: Object.fromEntries([...counts].map(([k, v]) => [k, per(v)])) } : {})
  }
}

async function idle (ms: number): Promise<IdleResult> {
  const cpu0 = process.cpuUsage()
  const w0 = syscw()
  await new Promise((resolve) => setTimeout(resolve, ms))
  const cpu = process.cpuUsage(cpu0)
  return { cpuMsPerSec: (cpu.user + cpu.system) / ms, writesPerSec: (syscw() - w0) * 1000 / ms }
}

process.on('message', (m: Command) => {
  if ('exit' in m) {
    conn.close().catch(() => {}).finally(() => process.exit(0))
    return
  }
  const job = 'slice' in m ? slice(m.slice) : idle(m.idle)
  job.then((r) => send(r), (err: unknown) => { console.error(err); process.exit(1) })
})
send({ ready: true })
