/**
 * Side by side with the `hashring` package (ketama-compatible: md5, 40 hashes x 4 replicas = 160 points per
 * server, as Node's memcached clients use it): load spread (max/mean keys per peer) at 8, 32 and 128 peers, keys
 * moved on a join (and whether they all went to the newcomer), and lookup rate, all in the same run.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import HashRingKetama from 'hashring'
import { BoundedLoadTable, HashRing } from '../src/index.js'
import { barChart } from './chart.js'

export interface CompareRow {
  impl: string
  peers: number
  maxOverMean: number
  /** keys moved on a join / (K / (N + 1)) */
  movedRatio: number
  /** share of moved keys that went to the newcomer */
  toNewcomer: number
  lookupsPerSec: number
}

interface Impl { name: string, build: (peers: string[]) => { get: (k: string) => string, add: (p: string) => { get: (k: string) => string } } }

const ours = (vnodes: number): Impl => ({
  name: `peercall ring (murmur3, ${vnodes} vnodes)`,
  build: (peers) => {
    const r = HashRing.from(peers, { vnodes })
    return { get: (k) => r.lookup(k)!, add: (p) => { const r2 = r.add(p); return { get: (k) => r2.lookup(k)! } } }
  }
})

const ketama: Impl = {
  name: 'hashring 3.2 (ketama, md5, 160 points)',
  build: (peers) => {
    const r = new HashRingKetama(peers)
    return {
      get: (k) => r.get(k),
      add: (p) => { const r2 = new HashRingKetama([...peers, p]); return { get: (k) => r2.get(k) } }
    }
  }
}

export const peerId = (i: number): string => `12D3KooW${(i * 2654435761 >>> 0).toString(36)}peer${i}`

export function compare (keys = 100_000, sizes = [8, 32, 128]): CompareRow[] {
  const rows: CompareRow[] = []
  const keyList = Array.from({ length: keys }, (_, i) => `key-${i}`)
  for (const n of sizes) {
    const peers = Array.from({ length: n }, (_, i) => peerId(i))
    const newcomer = peerId(n)
    for (const impl of [ours(2048), ours(160), ketama]) {
      const ring = impl.build(peers)
      const counts = new Map<string, number>()
      const before = keyList.map(k => ring.get(k))
      for (const p of before) counts.set(p, (counts.get(p) ?? 0) + 1)
      const maxOverMean = Math.max(...counts.values()) / (keys / n)
      const after = ring.add(newcomer)
      let moved = 0
      let toNew = 0
      for (let i = 0; i < keys; i++) {
        const p = after.get(keyList[i])
        if (p !== before[i]) { moved++; if (p === newcomer) toNew++ }
      }
      // lookup rate over distinct keys (hashring's 5000-entry LRU cache sees mostly misses)
      let sink = 0
      const t0 = performance.now()
      let done = 0
      while (performance.now() - t0 < 250) { for (let i = 0; i < 20_000; i++) sink += after.get(keyList[(done + i) % keys]).length; done += 20_000 }
      const lookupsPerSec = done / ((performance.now() - t0) / 1000)
      if (sink < 0) console.log(sink)
      rows.push({ impl: impl.name, peers: n, maxOverMean, movedRatio: moved / (keys / (n + 1)), toNewcomer: moved === 0 ? 1 : toNew / moved, lookupsPerSec })
    }
    // bounded loads on top of the 160-vnode ring: the same keys, each placed with capacity ceil(1.1 x average)
    const table = new BoundedLoadTable(HashRing.from(peers, { vnodes: 160 }), 0.1)
    for (const k of keyList) table.assign(k)
    const loads = [...table.loads().values()]
    rows.push({ impl: 'peercall ring (160 vnodes) + bounded loads (eps 0.1)', peers: n, maxOverMean: Math.max(...loads) / (keys / n), movedRatio: NaN, toNewcomer: NaN, lookupsPerSec: NaN })
  }
  return rows
}

export function compareTable (rows: CompareRow[]): string {
  const f = (x: number, d = 3): string => Number.isNaN(x) ? '-' : x.toFixed(d)
  const lines = [
    '| ring | peers | max/mean keys | keys moved on a join / (K/(N+1)) | moved keys that went to the newcomer | lookups/s |',
    '|---|---:|---:|---:|---:|---:|'
  ]
  for (const r of rows) {
    lines.push(`| ${r.impl} | ${r.peers} | ${f(r.maxOverMean)} | ${f(r.movedRatio)} | ${Number.isNaN(r.toNewcomer) ? '-' : (r.toNewcomer * 100).toFixed(1) + '%'} | ${Number.isNaN(r.lookupsPerSec) ? '-' : (r.lookupsPerSec / 1e6).toFixed(2) + ' M'} |`)
  }
  return lines.join('\n')
}

const SHORT = ['peercall, 2048 vnodes', 'peercall, 160 vnodes', 'hashring (ketama)', 'peercall 160 + bounded eps 0.1']

export function compareChart (rows: CompareRow[], sizes = [8, 32, 128]): string {
  const impls = [...new Set(rows.map(r => r.impl))]
  const colors = ['#4c78a8', '#72b7b2', '#e45756', '#54a24b']
  return barChart({
    title: 'Load spread on the ring: max/mean keys per peer (1.0 is perfect), 1M keys',
    yLabel: 'max / mean keys per peer',
    categories: sizes.map(n => `${n} peers`),
    series: impls.map((impl, i) => ({ name: SHORT[i] ?? impl, color: colors[i % colors.length], values: sizes.map(n => rows.find(r => r.impl === impl && r.peers === n)?.maxOverMean ?? NaN) })),
    lines: [{ value: 1.1, label: 'bounded-loads cap with eps 0.1', color: '#2a9d5c' }],
    format: (v) => v.toFixed(2),
    yMin: 1
  })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--keys')
  const keys = i >= 0 ? Number(process.argv[i + 1]) : 1_000_000
  const rows = compare(keys)
  console.log(`${keys} keys "key-0".."key-${keys - 1}"; join of one more peer\n`)
  console.log(compareTable(rows))
  if (!process.argv.includes('--no-write')) {
    writeFileSync(fileURLToPath(new URL('../../../../docs/balancing-ring.svg', import.meta.url)), compareChart(rows))
    console.log('\nwrote docs/balancing-ring.svg')
  }
}
