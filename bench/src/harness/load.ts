import { performance } from 'node:perf_hooks'
import { LatencyRecorder, type LatencySummary } from './histogram.js'
import { ownCpuMs, processCpuMs } from './cpu.js'

/** One call of the system under test; resolves when its response has arrived. */
export type CallFn = () => Promise<unknown>

export interface PhaseResult extends LatencySummary {
  /** Echo payload, in bytes (each way). */
  payloadBytes: number
  inFlight: number
  calls: number
  errors: number
  firstError?: string
  seconds: number
  callsPerSec: number
  /** CPU time per call during the measured phase, in µs: this client process, and the server processes (summed) if known. */
  clientCpuUsPerCall: number
  serverCpuUsPerCall?: number
}

/**
 * Keeps `inFlight` calls outstanding (closed loop: each worker issues its next call when the previous one
 * returns) for `warmupMs` unmeasured, then for `durationMs` measured. Bounded in time; errors are counted.
 * With `serverPids`, also the server processes' CPU time over the measured phase (from /proc), summed.
 */
export async function runPhase (call: CallFn, payloadBytes: number, inFlight: number, warmupMs: number, durationMs: number, serverPids: number[] = []): Promise<PhaseResult> {
  const rec = new LatencyRecorder()
  let calls = 0
  let errors = 0
  let firstError: string | undefined

  const drive = async (ms: number, measure: boolean): Promise<number> => {
    const start = performance.now()
    const end = start + ms
    const worker = async (): Promise<void> => {
      while (performance.now() < end) {
        const t0 = performance.now()
        try {
          await call()
          if (measure) {
            rec.recordSince(t0)
            calls++
          }
        } catch (err) {
          errors++
          firstError ??= String((err as Error)?.stack ?? err)
          if (errors > 1000) throw new Error(`too many errors; first: ${firstError}`)
        }
      }
    }
    await Promise.all(Array.from({ length: inFlight }, worker))
    return (performance.now() - start) / 1000
  }

  await drive(warmupMs, false)
  errors = 0
  firstError = undefined
  const cpu0 = ownCpuMs()
  const server0 = serversCpuMs(serverPids)
  const seconds = await drive(durationMs, true)
  const clientCpu = ownCpuMs() - cpu0
  const server1 = serversCpuMs(serverPids)
  const perCall = (ms: number): number => calls === 0 ? 0 : Math.round((ms * 1000 / calls) * 10) / 10
  const s = rec.summary()
  return {
    payloadBytes,
    inFlight,
    calls,
    errors,
    ...(firstError !== undefined && errors > 0 ? { firstError } : {}),
    seconds: Math.round(seconds * 1000) / 1000,
    callsPerSec: Math.round(calls / seconds),
    clientCpuUsPerCall: perCall(clientCpu),
    ...(server0 !== undefined && server1 !== undefined ? { serverCpuUsPerCall: perCall(server1 - server0) } : {}),
    ...s
  }
}

/** Summed CPU time of the processes, in ms; undefined when there are none or one cannot be read. */
function serversCpuMs (pids: number[]): number | undefined {
  if (pids.length === 0) return undefined
  let sum = 0
  for (const pid of pids) {
    const ms = processCpuMs(pid)
    if (ms === undefined) return undefined
    sum += ms
  }
  return sum
}
