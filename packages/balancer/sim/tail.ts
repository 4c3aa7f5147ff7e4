/**
 * `node packages/balancer/dist/sim/tail.js [--seeds 5]`: the real-peer tail scenario in virtual time (closed-loop.ts)
 * for 4 and 8 peers at 4 ms / 40 ms and 20 ms / 200 ms (test/src/tail.test.ts): p2c and round-robin
 * with one peer 10x slower, p2c with every peer healthy. Prints medians over seeds as markdown rows.
 */
import { closedLoop, type ClosedLoopConfig, type ClosedLoopResult } from './closed-loop.js'

const i = process.argv.indexOf('--seeds')
const seeds = i >= 0 ? Number(process.argv[i + 1]) : 5

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

console.log('| peers | service ms | run | p50 ms | p99 ms | attempts at the slow peer | answers from it | hedges |')
console.log('|---:|---|---|---:|---:|---:|---:|---:|')
for (const peers of [4, 8]) {
  for (const fast of [4, 20]) {
    const runs: Array<[string, Partial<ClosedLoopConfig>]> = [
      ['p2c', { strategy: 'p2c', slowMs: 10 * fast }],
      ['round-robin', { strategy: 'round-robin', slowMs: 10 * fast }],
      ['p2c, all healthy', { strategy: 'p2c' }]
    ]
    for (const [label, extra] of runs) {
      const rs: ClosedLoopResult[] = []
      for (let seed = 1; seed <= seeds; seed++) rs.push(closedLoop({ strategy: 'p2c', peers, serviceMs: fast, seed, ...extra }))
      const healthy = extra.slowMs === undefined
      console.log(`| ${peers} | ${fast} / ${10 * fast} | ${label} | ${median(rs.map(r => r.p50)).toFixed(1)} | ${median(rs.map(r => r.p99)).toFixed(1)} | ${healthy ? '-' : `${(100 * median(rs.map(r => r.slowShare))).toFixed(2)}%`} | ${healthy ? '-' : `${(100 * median(rs.map(r => r.slowAnswers))).toFixed(2)}%`} | ${median(rs.map(r => r.hedges))} |`)
    }
  }
}
