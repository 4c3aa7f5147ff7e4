import { performance } from 'node:perf_hooks'
import { LatencyRecorder, type LatencySummary } from './histogram.js'

/** One call of the system under test; resolves when its response has arrived. */
export type CallFn = () => Promise<unknown>

export interface PhaseResult extends LatencySummary {
  inFlight: number
  calls: number
  errors: number
  firstError?: string
  seconds: number
  callsPerSec: number
}

/**
 * Keeps `inFlight` calls outstanding (closed loop: each worker issues its next call when the previous one
 * returns) for `warmupMs` unmeasured, then for `durationMs` measured. Bounded in time; errors are counted.
 */
export async function runPhase (call: CallFn, inFlight: number, warmupMs: number, durationMs: number): Promise<PhaseResult> {
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
  const seconds = await drive(durationMs, true)
  const s = rec.summary()
  return {
    inFlight,
    calls,
    errors,
    ...(firstError !== undefined && errors > 0 ? { firstError } : {}),
    seconds: Math.round(seconds * 1000) / 1000,
    callsPerSec: Math.round(calls / seconds),
    ...s
  }
}
