/**
 * `npm run sim -w @peercall/balancer`: runs the seeded simulation for every strategy in two scenarios (8 equal
 * peers; 1 of 8 peers 10x slower), prints a table and the checks, writes sim-results.json and the chart
 * docs/balancing-sim.svg. Options: --calls N (default 100000), --seed N, --no-write, --sweep N (checks for seeds 1..N).
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { barChart } from './chart.js'
import { simulate, type SimConfig, type SimResult } from './engine.js'
import type { Strategy } from '../src/index.js'

export interface ScenarioResults { equal: SimResult[], slow: SimResult[], loaded: SimResult[] }

export const STRATEGIES: Strategy[] = ['p2c', 'round-robin', 'random', 'local-first', 'hash']
export const SLOW = [100] // peer 0: 10x the 10 ms of the others
/** 2560 calls/s on 8 peers x 4 workers x 10 ms: 80% utilisation. */
export const LOADED_RATE = 2560

export function runAll (calls: number, seed = 1): ScenarioResults {
  const run = (extra: Partial<SimConfig>): SimResult[] => [
    ...STRATEGIES.map(strategy => simulate({ strategy, calls, seed, ...extra })),
    simulate({ strategy: 'p2c', hedge: true, calls, seed, ...extra })
  ]
  return {
    equal: run({}),
    slow: run({ serviceMsByPeer: SLOW }),
    loaded: [
      ...run({ ratePerSec: LOADED_RATE }),
      simulate({ strategy: 'p2c', calls, seed, ratePerSec: LOADED_RATE, label: 'p2c, gossiped in-flight as max (rejected)', balancer: { cost: { gossipInflight: 'max' } } })
    ]
  }
}

export interface Check { name: string, value: number, limit: number, ok: boolean }

export function checks (r: ScenarioResults): Check[] {
  const get = (list: SimResult[], s: string): SimResult => list.find(x => x.strategy === s)!
  const p2cSlow = get(r.slow, 'p2c').p99Ms
  const healthy = get(r.equal, 'p2c').p99Ms
  const rrSlow = get(r.slow, 'round-robin').p99Ms
  const out: Check[] = [
    { name: 'one slow peer: p2c p99 / all-healthy p99', value: p2cSlow / healthy, limit: 2 },
    { name: 'one slow peer: p2c p99 / round-robin p99', value: p2cSlow / rrSlow, limit: 0.3 },
    ...(['p2c', 'round-robin', 'random'] as const).map(s => ({ name: `equal peers: max/mean calls per peer (${s})`, value: get(r.equal, s).maxOverMean, limit: 1.05 })),
    { name: 'hedges / calls (p2c + hedging, one slow peer)', value: get(r.slow, 'p2c + hedging').hedges / get(r.slow, 'p2c + hedging').calls, limit: 0.05 }
  ].map(c => ({ ...c, ok: c.value <= c.limit }))
  return out
}

export function simTable (r: ScenarioResults): string {
  const lines = [
    '| scenario | strategy | p50 ms | p99 ms | p99.9 ms | mean ms | max/mean calls per peer | share to peer 0 | hedges |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|'
  ]
  for (const [name, list] of [['8 equal peers', r.equal], ['1 of 8 peers 10x slower', r.slow], ['8 equal peers, 80% busy', r.loaded]] as const) {
    for (const x of list) {
      lines.push(`| ${name} | ${x.strategy} | ${x.p50Ms.toFixed(1)} | ${x.p99Ms.toFixed(1)} | ${x.p999Ms.toFixed(1)} | ${x.meanMs.toFixed(1)} | ${x.maxOverMean.toFixed(3)} | ${(x.shareOfPeer0 * 100).toFixed(2)}% | ${x.hedges} |`)
    }
  }
  return lines.join('\n')
}

export function simChart (r: ScenarioResults): string {
  const healthy = r.equal.find(x => x.strategy === 'p2c')!.p99Ms
  return barChart({
    title: 'p99 latency by strategy (seeded simulation, 8 peers x 4 workers, 10 ms service)',
    yLabel: 'p99 latency, ms (virtual time)',
    categories: r.equal.map(x => x.strategy),
    series: [
      { name: '8 equal peers', color: '#4c78a8', values: r.equal.map(x => x.p99Ms) },
      { name: '1 of 8 peers 10x slower', color: '#e45756', values: r.slow.map(x => x.p99Ms) },
      { name: '8 equal peers, 80% busy', color: '#f2a541', values: r.loaded.slice(0, r.equal.length).map(x => x.p99Ms) }
    ],
    lines: [{ value: 2 * healthy, label: '2x all-healthy p2c p99 (the bound)', color: '#2a9d5c' }],
    format: (v) => v.toFixed(0)
  })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, d: number): number => {
    const i = process.argv.indexOf(name)
    return i >= 0 ? Number(process.argv[i + 1]) : d
  }
  const calls = arg('--calls', 100_000)
  const seed = arg('--seed', 1)
  const sweep = arg('--sweep', 0)
  if (sweep > 0) {
    // the checks for seeds 1..N (docs/balancing.md quotes seeds 1-10)
    for (let s = 1; s <= sweep; s++) {
      console.log(`seed ${s}: ` + checks(runAll(calls, s)).map(c => `${c.name.replace(/^.*: /, '')} ${c.value.toFixed(3)}${c.ok ? '' : ' FAIL'}`).join('; '))
    }
    process.exit(0)
  }
  const t0 = performance.now()
  const r = runAll(calls, seed)
  console.log(`simulation: ${calls} calls per run, seed ${seed}, 8 peers x 4 workers, exponential service 10 ms (slow peer 100 ms), 240 calls/s Poisson (2560 calls/s when 80% busy) from 8 callers, gossip every 1 s, 0.5 ms network\n`)
  console.log(simTable(r))
  console.log('')
  let failed = 0
  for (const c of checks(r)) {
    if (!c.ok) failed++
    console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.value.toFixed(3)} (limit ${c.limit})`)
  }
  console.log(`\n${((performance.now() - t0) / 1000).toFixed(1)} s of wall time`)
  if (!process.argv.includes('--no-write')) {
    const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url))
    writeFileSync(here('../../sim-results.json'), JSON.stringify({ calls, seed, results: r, checks: checks(r) }, null, 2) + '\n')
    writeFileSync(here('../../../../docs/balancing-sim.svg'), simChart(r))
    console.log('wrote packages/balancer/sim-results.json and docs/balancing-sim.svg')
  }
  process.exitCode = failed > 0 ? 1 : 0
}
