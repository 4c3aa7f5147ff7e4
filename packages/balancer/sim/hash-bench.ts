/**
 * Measures the candidate ring hashes: speed on short keys and on virtual-node names, and spread on the ring
 * (sequential keys, the worst realistic case). `node dist/sim/hash-bench.js` prints a table; with `--json` a JSON
 * object (used by sim/report.ts).
 */
import { xxh32, xxh3 } from '@node-rs/xxhash'
import xxhashWasm from 'xxhash-wasm'
import { HashRing } from '../src/ring.js'
import { fnv1a32, murmur3 } from '../src/hash.js'

export interface HashFigures { name: string, shortKeysPerSec: number, peerKeysPerSec: number, ringMaxOverMean: number, bucketChi2: number }

export async function measureHashes (): Promise<HashFigures[]> {
  const wasm = await xxhashWasm()
  const candidates: Array<[string, (s: string) => number]> = [
    ['murmur3 x86_32 (JS)', (s) => murmur3(s)],
    ['FNV-1a 32 (JS)', fnv1a32],
    ['xxHash32 (@node-rs/xxhash, napi)', (s) => xxh32(s)],
    ['xxh3-64 (@node-rs/xxhash, napi)', (s) => Number(xxh3.xxh64(s) & 0xffffffffn)],
    ['xxHash32 (xxhash-wasm)', (s) => wasm.h32(s)]
  ]
  const shortKeys = Array.from({ length: 4096 }, (_, i) => `user-${i * 7919}`)
  const peerKeys = Array.from({ length: 4096 }, (_, i) => `12D3KooWQe8kPq2rXn6zBs5ALgjbYLeg7AyH6x7QHuJzW${String(i % 64).padStart(3, '0')}#${i}`)
  const out: HashFigures[] = []
  for (const [name, hash] of candidates) {
    const rate = (keys: string[]): number => {
      let sink = 0
      for (let r = 0; r < 50; r++) for (const k of keys) sink ^= hash(k) // warm up
      const t0 = performance.now()
      let n = 0
      while (performance.now() - t0 < 300) {
        for (const k of keys) sink ^= hash(k)
        n += keys.length
      }
      if (sink === 0.5) console.log('')
      return n / ((performance.now() - t0) / 1000)
    }
    const shortKeysPerSec = rate(shortKeys)
    const peerKeysPerSec = rate(peerKeys)
    // spread: 32 peers, 200k sequential keys
    const peers = Array.from({ length: 32 }, (_, i) => `12D3KooWpeer${i}`)
    const ring = HashRing.from(peers, { hash, vnodes: 2048 })
    const counts = new Map<string, number>()
    const K = 200_000
    for (let i = 0; i < K; i++) { const p = ring.lookup(`user-${i}`)!; counts.set(p, (counts.get(p) ?? 0) + 1) }
    const ringMaxOverMean = Math.max(...counts.values()) / (K / peers.length)
    // chi-square of the top 12 bits over sequential keys (4096 buckets, expect ~4095 +- 90)
    const buckets = new Uint32Array(4096)
    const M = 409_600
    for (let i = 0; i < M; i++) buckets[hash(`k${i}`) >>> 20]++
    const e = M / 4096
    let chi2 = 0
    for (const b of buckets) chi2 += (b - e) ** 2 / e
    out.push({ name, shortKeysPerSec, peerKeysPerSec, ringMaxOverMean, bucketChi2: chi2 })
  }
  return out
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await measureHashes()
  if (process.argv.includes('--json')) console.log(JSON.stringify(figures, null, 2))
  else {
    console.log('| hash | short keys /s | vnode names /s | ring max/mean (32 peers) | chi2 (4095 +- 90 is uniform) |')
    console.log('|---|---:|---:|---:|---:|')
    for (const f of figures) {
      console.log(`| ${f.name} | ${(f.shortKeysPerSec / 1e6).toFixed(1)} M | ${(f.peerKeysPerSec / 1e6).toFixed(1)} M | ${f.ringMaxOverMean.toFixed(3)} | ${f.bucketChi2.toFixed(0)} |`)
    }
  }
}
