/**
 * `node bench/dist/src/ramp/main.js [--target peercall-pinned] [--seconds 6] [--idle 12] [--runs 2] [--settle 0] [--variants a,b]`:
 * how fast a fresh client process's first sequential calls go, and whether the ramp repeats after an idle spell.
 * Each run starts a fresh server and a fresh client per variant (variants alternate within a run); a variant is a
 * set of Node flags given to both processes; `--variant 'name=flags'` (repeatable) adds one. Prints calls/s per 250 ms window (medians over runs) and the time of
 * the first 1,000 calls against the steady rate. `--settle <ms>`: the client waits that long after connecting before
 * its first measured call (its join, identify and membership's first exchanges done, its code as cold as before).
 */
import { fileURLToPath } from 'node:url'
import { startServers } from '../harness/servers.js'
import { spawnNode } from '../harness/spawn.js'
import { median } from '../harness/stats.js'
import { splitVariant, variantArgs } from '../harness/variants.js'
import { WINDOW_MS } from './window.js'

const CLIENT = fileURLToPath(new URL('./client.js', import.meta.url))

/** Node flag sets compared (both processes); `default` is none. */
const VARIANTS: Record<string, string[]> = {
  default: [],
  'semi-space 16 MiB from the start': ['--min-semi-space-size=16'],
  'maglev off': ['--no-maglev'],
  'earlier tier-up': ['--invocation-count-for-turbofan=600', '--invocation-count-for-maglev=100']
}

function arg (name: string, fallback: string): string {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : fallback
}

/** A phase as the client reports it: a figure it could not measure (fewer than 1,000 calls, no /proc) is null. */
interface Phase { windows: number[], first1000Ms: number | null, first1000CpuUs: number | null, steadyCpuUs: number | null, first1000MainUs: number | null, steadyMainUs: number | null, rssMiB: number | null }

/** The median of the measured values, NaN when none was measured. */
function measuredMedian (values: Array<number | null>): number {
  const ok = values.filter((v): v is number => v !== null && Number.isFinite(v))
  return ok.length === 0 ? Number.NaN : median(ok)
}

function fixed (v: number | null, digits = 0): string {
  return v === null || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits)
}

async function main (): Promise<void> {
  const target = arg('--target', 'peercall-pinned')
  const seconds = arg('--seconds', '6')
  const idle = arg('--idle', '12')
  const runs = Number(arg('--runs', '2'))
  const settle = arg('--settle', '0')
  const extraVariants = variantArgs(process.argv)
  Object.assign(VARIANTS, extraVariants)
  const extra = Object.keys(extraVariants)
  const names = [...arg('--variants', extra.length > 0 ? '' : Object.keys(VARIANTS).join(',')).split(',').filter((n) => n !== ''), ...extra]
  const results = new Map<string, Phase[][]>(names.map((n) => [n, []]))
  for (let run = 0; run < runs; run++) {
    for (const name of names) {
      if (VARIANTS[name] === undefined) throw new Error(`unknown variant ${name}`)
      const { flags, env } = splitVariant(VARIANTS[name])
      const group = await startServers(target, 1, undefined, env, flags)
      try {
        const client = spawnNode(CLIENT, [target, JSON.stringify(group.addresses), seconds, idle, settle], `${name} client`, undefined, env, flags)
        const { phases } = await client.waitFor<{ phases: Phase[] }>('phases', (Number(seconds) * 2 + Number(idle)) * 1000 + Number(settle) + 60_000)
        await client.stop()
        results.get(name)!.push(phases)
        process.stderr.write(`run ${run + 1} ${name}: first 1000 calls ${fixed(phases[0].first1000Ms)} ms / after idle ${fixed(phases[1].first1000Ms)} ms\n`)
      } finally {
        await group.stop()
      }
    }
  }
  const rate = (n: number): number => Math.round(n * 1000 / WINDOW_MS)
  console.log(`| variant (Node flags, both processes) | phase | first 1,000 calls, ms | calls/s in windows of ${WINDOW_MS} ms, from the start (median of ${runs} runs) | steady (last 2 s) | first 1,000 / steady rate | client CPU µs per call, first 1,000 / last 2 s | of which the main thread | client RSS at the end, MiB |`)
  console.log('|---|---|---|---|---|---|---|---|---|')
  for (const name of names) {
    for (const p of [0, 1]) {
      const phases = results.get(name)!.map((r) => r[p])
      const len = Math.min(...phases.map((x) => x.windows.length))
      const windows = Array.from({ length: len }, (_, i) => median(phases.map((x) => x.windows[i])))
      const steady = rate(median(windows.slice(-8)))
      const first = measuredMedian(phases.map((x) => x.first1000Ms))
      const firstRate = 1000 / (first / 1000)
      const shown = windows.filter((_, i) => i < 8 || i % 4 === 0).map(rate).join(' ')
      const cpuFirst = measuredMedian(phases.map((x) => x.first1000CpuUs))
      const cpuSteady = measuredMedian(phases.map((x) => x.steadyCpuUs))
      const mainFirst = measuredMedian(phases.map((x) => x.first1000MainUs))
      const mainSteady = measuredMedian(phases.map((x) => x.steadyMainUs))
      console.log(`| ${name} \`${VARIANTS[name].join(' ')}\` | ${p === 0 ? 'fresh' : `after ${idle} s idle`} | ${fixed(first)} | ${shown} | ${steady} | ${fixed(firstRate / steady, 2)} | ${fixed(cpuFirst)} / ${fixed(cpuSteady)} | ${fixed(mainFirst)} / ${fixed(mainSteady)} | ${fixed(measuredMedian(phases.map((x) => x.rssMiB)))} |`)
    }
  }
}

main().catch((err) => { console.error(err); process.exit(1) })
