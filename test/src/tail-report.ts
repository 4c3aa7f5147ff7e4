/**
 * Runs the tail scenario (test/src/helpers/tail-scenario.ts, the same code tail.test.ts asserts on) and prints
 * per-trial figures and the medians as markdown. By hand:
 *
 *   npx tsc -b test && node test/dist/src/tail-report.js [--peers 4,8] [--trials 5] [--fast 4] [--calls 2000]
 *
 * The slow peer answers after 10x `--fast` ms.
 */
import { median, tailTrials } from './helpers/tail-scenario.js'
import type { TailRun } from './helpers/tail-scenario.js'

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : dflt
}
const peers = arg('peers', '4,8').split(',').map(Number)
const trials = Number(arg('trials', '5'))
const fastMs = Number(arg('fast', '4'))
const calls = Number(arg('calls', '2000'))
const f = (x: number): string => x.toFixed(1)
const pc = (x: number): string => `${(100 * x).toFixed(2)}%`

console.log('| peers | run | p50 ms | p99 ms | max ms | attempts at the slow peer | answers from it | hedges |')
console.log('|---:|---|---:|---:|---:|---:|---:|---:|')
for (const n of peers) {
  const t = await tailTrials(n, trials, { fastMs, slowMs: 10 * fastMs, calls }, (what, r) => {
    console.log(`| ${n} | ${what}${r.valid ? '' : ' (not valid)'} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.max)} | ${pc(r.slowShare)} | ${pc(r.slowAnswers)} | ${r.hedges} |`)
  })
  const row = (what: string, all: TailRun[]): string => {
    const rs = all.filter(r => r.valid)
    return `| ${n} | **${what}, median of ${rs.length} (least p99 ${f(Math.min(...rs.map(r => r.p99)))})** | ${f(median(rs.map(r => r.p50)))} | ${f(median(rs.map(r => r.p99)))} | ${f(median(rs.map(r => r.max)))} | ${pc(median(rs.map(r => r.slowShare)))} | ${pc(median(rs.map(r => r.slowAnswers)))} | ${median(rs.map(r => r.hedges))} |`
  }
  console.log(row('p2c', t.p2c))
  console.log(row('round-robin', t.roundRobin))
  console.log(row('healthy', t.healthy))
  const med = (rs: TailRun[]): number => median(rs.filter(r => r.valid).map(r => r.p99))
  const least = (rs: TailRun[]): number => Math.min(...rs.filter(r => r.valid).map(r => r.p99))
  console.log(`ratios (${n} peers), medians: p2c/round-robin ${(med(t.p2c) / med(t.roundRobin)).toFixed(2)}, p2c/healthy ${(med(t.p2c) / med(t.healthy)).toFixed(2)}; least: p2c/round-robin ${(least(t.p2c) / least(t.roundRobin)).toFixed(2)}, p2c/healthy ${(least(t.p2c) / least(t.healthy)).toFixed(2)}`)
}
