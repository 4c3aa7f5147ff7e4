/**
 * `npm run bench:scale [-- --quick]`: the real-process run, then the simulator run, each in its own Node process
 * (so that a crash or a deadline there kills its children and leaves the next part to run), then the charts.
 * `--dir <docs>` says where the results and charts go (default `docs`, relative to the working directory).
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Heap of the simulator's process, MB: N = 10,000 peaked at 3 GB through a crash (shared member view); room for the loss runs. */
const SIM_HEAP_MB = 12288
/** Hard bound of each part, ms (the real run bounds itself at 20 min; the simulator takes 20-30 min, most of it N = 10,000 and the loss runs at 1000). */
const PART_TIMEOUT_MS = 45 * 60_000

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url))
const dirArg = process.argv.indexOf('--dir')
const dir = dirArg > 0 ? process.argv[dirArg + 1] : 'docs'
const pass = process.argv.slice(2).filter((a, i, all) => a !== '--dir' && all[i - 1] !== '--dir')
const only = process.argv.includes('--sim-only') ? 'sim' : process.argv.includes('--real-only') ? 'real' : undefined

function run (args: string[]): number {
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', timeout: PART_TIMEOUT_MS, killSignal: 'SIGTERM' })
  return r.status ?? 1
}

let failed = 0
if (only !== 'sim') failed += run([here('./real.js'), ...pass, '--out', join(dir, 'scale-real.json')]) === 0 ? 0 : 1
if (only !== 'real') failed += run([`--max-old-space-size=${SIM_HEAP_MB}`, here('./sim.js'), ...pass, '--out', join(dir, 'scale-sim.json')]) === 0 ? 0 : 1
failed += run([here('./charts.js'), '--dir', dir]) === 0 ? 0 : 1
failed += run([here('./report.js'), '--dir', dir]) === 0 ? 0 : 1
process.exit(failed === 0 ? 0 : 1)
