/**
 * Chooses the number of virtual nodes by measurement: for each candidate count, 50 random clusters of 1..16 peers
 * each get one newcomer; the table shows how many of 100k keys moved, relative to the ideal K/(N+1) (the join
 * property needs <= 1.1), plus the spread at 32 peers, the build time and the memory of a 128-peer ring.
 */
import { HashRing } from '../src/index.js'
import { seededRandom } from '../src/rng.js'

export function measureVnodes (counts = [160, 512, 1024, 2048, 4096]): string {
  const lines = [
    '| vnodes | moved / (K/(N+1)): median | p95 | worst of 50 | max/mean keys, 32 peers | build, 128 peers | memory, 128 peers |',
    '|---:|---:|---:|---:|---:|---:|---:|'
  ]
  const K = 100_000
  for (const v of counts) {
    const rnd = seededRandom(v)
    const ratios: number[] = []
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(rnd() * 16)
      const peers = Array.from({ length: n }, () => `12D3KooW${Math.floor(rnd() * 2 ** 48).toString(36)}`)
      const before = HashRing.from(peers, { vnodes: v })
      const newcomer = `12D3KooWnew${trial}`
      const after = before.add(newcomer)
      let moved = 0
      for (let i = 0; i < K; i++) if (after.lookup(`k${trial}-${i}`) === newcomer) moved++
      ratios.push(moved / (K / (n + 1)))
    }
    ratios.sort((a, b) => a - b)
    const peers32 = Array.from({ length: 32 }, (_, i) => `12D3KooWpeer${i}`)
    const ring32 = HashRing.from(peers32, { vnodes: v })
    const counts32 = new Map<string, number>()
    for (let i = 0; i < 320_000; i++) { const p = ring32.lookup(`user-${i}`)!; counts32.set(p, (counts32.get(p) ?? 0) + 1) }
    const peers128 = Array.from({ length: 128 }, (_, i) => `12D3KooWpeer${i}`)
    HashRing.from(peers128, { vnodes: v })
    const t0 = performance.now()
    HashRing.from(peers128, { vnodes: v })
    const build = performance.now() - t0
    lines.push(`| ${v} | ${ratios[25].toFixed(3)} | ${ratios[47].toFixed(3)} | ${ratios[49].toFixed(3)} | ${(Math.max(...counts32.values()) / 10_000).toFixed(3)} | ${build.toFixed(1)} ms | ${((128 * v * 8) / 2 ** 20).toFixed(2)} MB |`)
  }
  return lines.join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(measureVnodes())
