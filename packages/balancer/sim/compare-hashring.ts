/**
 * Side by side with the `hashring` package (ketama-compatible: md5, 40 hashes x 4 replicas = 160 points per
 * server, as Node's memcached clients use it): load spread (max/mean keys per peer) at 8, 32 and 128 peers, keys
 * moved on a join (and whether they all went to the newcomer), and lookup rate, all in the same run.
 */
import HashRingKetama from 'hashring'
import { BoundedLoadTable, HashRing } from '../src/index.js'

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
    // bounded loads on top of our ring: the same keys, each placed with capacity ceil(1.25 x average)
    const table = new BoundedLoadTable(HashRing.from(peers), 0.25)
    for (const k of keyList) table.assign(k)
    const loads = [...table.loads().values()]
    rows.push({ impl: 'peercall ring + bounded loads (eps 0.25)', peers: n, maxOverMean: Math.max(...loads) / (keys / n), movedRatio: NaN, toNewcomer: NaN, lookupsPerSec: NaN })
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

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(compareTable(compare()))
}
