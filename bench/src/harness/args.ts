import { parseArgs } from 'node:util'
import { DURATION_MS, QUICK_DURATION_MS, QUICK_RUNS, QUICK_WARMUP_MS, RUNS, WARMUP_MS } from './defaults.js'
import { isTargetName, TARGETS, type TargetName } from '../targets/index.js'

export interface BenchOptions {
  quick: boolean
  runs: number
  warmupMs: number
  durationMs: number
  targets: TargetName[]
  /** Pin the server child to CPU 0 and the client child to CPU 1 (`taskset`), for steadier sequential latency. */
  pin: boolean
  /** Write docs/benchmarks.md and docs/benchmarks.json (default: yes, except with --quick). */
  write: boolean
}

export const USAGE = `usage: node bench/dist/src/run.js [--quick] [--pin] [--runs N] [--warmup MS] [--duration MS]
       [--only ${Object.keys(TARGETS).join(',')}] [--write | --no-write]`

export function parseBenchArgs (argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      pin: { type: 'boolean', default: false },
      runs: { type: 'string' },
      warmup: { type: 'string' },
      duration: { type: 'string' },
      only: { type: 'string' },
      write: { type: 'boolean' },
      'no-write': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (values.help === true) {
    console.log(USAGE)
    process.exit(0)
  }
  const quick = values.quick
  const num = (v: string | undefined, d: number): number => {
    if (v === undefined) return d
    const n = Number(v)
    if (!Number.isFinite(n) || n <= 0) throw new Error(`not a positive number: ${v}\n${USAGE}`)
    return n
  }
  const only = values.only?.split(',').map((s) => s.trim()).filter((s) => s !== '')
  const targets = only ?? Object.keys(TARGETS)
  for (const t of targets) if (!isTargetName(t)) throw new Error(`unknown target ${t}\n${USAGE}`)
  return {
    quick,
    pin: values.pin,
    runs: num(values.runs, quick ? QUICK_RUNS : RUNS),
    warmupMs: num(values.warmup, quick ? QUICK_WARMUP_MS : WARMUP_MS),
    durationMs: num(values.duration, quick ? QUICK_DURATION_MS : DURATION_MS),
    targets: targets as TargetName[],
    write: values['no-write'] === true ? false : values.write === true || !quick
  }
}
