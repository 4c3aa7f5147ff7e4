/**
 * Micro-benchmark on one core: ring lookups and successors, facade picks per strategy, ring build and
 * incremental join. `node dist/sim/bench.js` prints a markdown table.
 */
import { createBalancer, HashRing, type Candidate, type Strategy } from '../src/index.js'
import { peerId } from './compare-hashring.js'

export interface BenchRow { what: string, perSec?: number, ms?: number }

function rate (fn: (i: number) => void, minMs = 400): number {
  for (let i = 0; i < 20_000; i++) fn(i) // warm up
  let n = 0
  const t0 = performance.now()
  let el = 0
  while ((el = performance.now() - t0) < minMs) {
    for (let i = 0; i < 10_000; i++) fn(n + i)
    n += 10_000
  }
  return n / (el / 1000)
}

function time (fn: () => void, reps = 5): number {
  fn()
  const t0 = performance.now()
  for (let i = 0; i < reps; i++) fn()
  return (performance.now() - t0) / reps
}

export function bench (): BenchRow[] {
  const rows: BenchRow[] = []
  const keys = Array.from({ length: 65_536 }, (_, i) => `user-${i * 7919}`)
  let sink = 0
  for (const n of [8, 32, 128]) {
    const peers = Array.from({ length: n }, (_, i) => peerId(i))
    const ring = HashRing.from(peers)
    rows.push({ what: `ring lookup, ${n} peers (2048 vnodes)`, perSec: rate(i => { sink += ring.lookup(keys[i & 65535])!.length }) })
  }
  {
    const ring = HashRing.from(Array.from({ length: 32 }, (_, i) => peerId(i)))
    rows.push({ what: 'ring successors(key, 3), 32 peers', perSec: rate(i => { sink += ring.successors(keys[i & 65535], 3).length }) })
  }
  for (const n of [8, 32, 128]) {
    const peers = Array.from({ length: n }, (_, i) => peerId(i))
    rows.push({ what: `ring build, ${n} peers`, ms: time(() => { sink += HashRing.from(peers).size }) })
  }
  {
    const peers = Array.from({ length: 128 }, (_, i) => peerId(i))
    const ring = HashRing.from(peers)
    rows.push({ what: 'ring incremental join, 128 -> 129 peers', ms: time(() => { sink += ring.add(peerId(999)).size }, 20) })
  }
  const strategies: Strategy[] = ['p2c', 'hash', 'round-robin', 'random', 'local-first']
  for (const n of [8, 32]) {
    for (const strategy of strategies) {
      const bal = createBalancer({ seed: 7, now: () => 1_000_000 })
      const candidates: Candidate[] = Array.from({ length: n }, (_, i) => ({
        peerId: peerId(i), local: i === 0, load: { inflight: i % 5, latencyMs: 5 + i, at: 999_000 }
      }))
      for (const c of candidates) { bal.onStart(c.peerId); bal.onEnd(c.peerId, { latencyMs: 3, ok: true }) }
      rows.push({
        what: `facade pick '${strategy}', ${n} candidates`,
        perSec: rate(i => { sink += bal.pick(candidates, { strategy, key: keys[i & 65535], service: 's' })!.length })
      })
    }
  }
  {
    const bal = createBalancer({ seed: 7, now: () => 1_000_000 })
    const candidates: Candidate[] = Array.from({ length: 8 }, (_, i) => ({ peerId: peerId(i) }))
    rows.push({
      what: 'facade pick + onStart + onEnd (p2c, 8 candidates)',
      perSec: rate(() => { const p = bal.pick(candidates, { strategy: 'p2c' })!; bal.onStart(p); bal.onEnd(p, { latencyMs: 2, ok: true }) })
    })
  }
  if (sink === -1) console.log(sink)
  return rows
}

export function benchTable (rows: BenchRow[]): string {
  const lines = ['| operation | rate or time |', '|---|---:|']
  for (const r of rows) lines.push(`| ${r.what} | ${r.perSec !== undefined ? (r.perSec / 1e6).toFixed(2) + ' M/s' : r.ms!.toFixed(2) + ' ms'} |`)
  return lines.join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(benchTable(bench()))
}
