import { parseArgs } from 'node:util'
import { DURATION_MS, IN_FLIGHT_LEVELS, PAYLOAD_SIZES, PROCESS_WARMUP_MS, QUICK_DURATION_MS, QUICK_PROCESS_WARMUP_MS, QUICK_RUNS, QUICK_WARMUP_MS, RUNS, SERVER_COUNTS, WARMUP_MS } from './defaults.js'
import { isTargetName, TARGETS, type TargetName } from '../targets/index.js'

export interface BenchOptions {
  quick: boolean
  runs: number
  warmupMs: number
  /** unmeasured sequential calls of a fresh client before its first phase, ms (0: none) */
  processWarmupMs: number
  durationMs: number
  targets: TargetName[]
  /** Echo payload sizes, in bytes. */
  payloads: number[]
  /** Calls in flight, per phase. */
  levels: number[]
  /** Server process counts. */
  servers: number[]
  /** Pin the servers to CPU 0 and the client to CPU 1 (`taskset`), for steadier sequential latency. */
  pin: boolean
  /** Write docs/benchmarks.md and docs/benchmarks.json (default: yes, except with --quick). */
  write: boolean
  /** Also measure memory (idle peer, per connected peer) after the speed matrix (default: with write). */
  memory: boolean
}

export const USAGE = `usage: node bench/dist/src/run.js [--quick] [--pin] [--runs N] [--warmup MS] [--process-warmup MS] [--duration MS]
       [--only ${Object.keys(TARGETS).join(',')}] [--payloads ${PAYLOAD_SIZES.join(',')}]
       [--levels ${IN_FLIGHT_LEVELS.join(',')}] [--servers ${SERVER_COUNTS.join(',')}] [--write | --no-write] [--memory | --no-memory]`

export function parseBenchArgs (argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      pin: { type: 'boolean', default: false },
      runs: { type: 'string' },
      warmup: { type: 'string' },
      'process-warmup': { type: 'string' },
      duration: { type: 'string' },
      only: { type: 'string' },
      payloads: { type: 'string' },
      levels: { type: 'string' },
      servers: { type: 'string' },
      write: { type: 'boolean' },
      'no-write': { type: 'boolean' },
      memory: { type: 'boolean' },
      'no-memory': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (values.help === true) {
    console.log(USAGE)
    process.exit(0)
  }
  const quick = values.quick
  const positive = (v: string): number => {
    const n = Number(v)
    if (!Number.isInteger(n) || n <= 0) throw new Error(`not a positive integer: ${v}\n${USAGE}`)
    return n
  }
  const num = (v: string | undefined, d: number): number => v === undefined ? d : positive(v)
  const list = (v: string | undefined, d: readonly number[]): number[] => v === undefined ? [...d] : v.split(',').filter((s) => s.trim() !== '').map((s) => positive(s.trim()))
  const only = values.only?.split(',').map((s) => s.trim()).filter((s) => s !== '')
  const targets = only ?? Object.keys(TARGETS)
  for (const t of targets) if (!isTargetName(t)) throw new Error(`unknown target ${t}\n${USAGE}`)
  const write = values['no-write'] === true ? false : values.write === true || !quick
  return {
    quick,
    pin: values.pin,
    runs: num(values.runs, quick ? QUICK_RUNS : RUNS),
    warmupMs: num(values.warmup, quick ? QUICK_WARMUP_MS : WARMUP_MS),
    processWarmupMs: values['process-warmup'] === '0' ? 0 : num(values['process-warmup'], quick ? QUICK_PROCESS_WARMUP_MS : PROCESS_WARMUP_MS),
    durationMs: num(values.duration, quick ? QUICK_DURATION_MS : DURATION_MS),
    targets: targets as TargetName[],
    payloads: list(values.payloads, PAYLOAD_SIZES),
    levels: list(values.levels, IN_FLIGHT_LEVELS),
    servers: list(values.servers, SERVER_COUNTS),
    write,
    memory: values['no-memory'] === true ? false : values.memory === true || write
  }
}
