/**
 * The tail scenario of docs/balancing.md on real peers: `n` in-process peers on 127.0.0.1 host `Who.work`
 * (idempotent), which answers with the peer's id after `fastMs` on every peer but one (`slowMs`, 10x); client
 * peers hosting nothing call it `calls` times with `concurrency` in flight, routed by `strategy`, after a warm-up.
 * Each strategy gets its own client, since a node's balancer (its hedging delay, its latency estimates) learns from
 * every call it makes. Returns the latency percentiles of the measured calls, the share of attempts the slow peer
 * received, and the hedges sent.
 */
import { createNode } from '@peercall/core'
import { percentile, timed } from './load.js'
import type { Balance, PeercallNode } from '@peercall/core'

export interface TailCluster {
  clients: PeercallNode[]
  servers: PeercallNode[]
  /** The slow server's id, or undefined when every server is fast. */
  slow: string | undefined
  /** Attempts that reached each server (hedges included), by peer id. */
  served: Map<string, number>
  stop: () => Promise<void>
}

export interface TailRun {
  /** Every server stayed a candidate throughout (none suspected: on a loaded machine membership may suspect one). */
  valid: boolean
  strategy: Balance
  calls: number
  p50: number
  p99: number
  max: number
  /** Share of the attempts (first tries and hedges) that reached the slow peer. */
  slowShare: number
  /** Share of the calls whose answer came from the slow peer. */
  slowAnswers: number
  hedges: number
  failures: number
}

export async function startTailCluster (n: number, options: { fastMs: number, slowMs: number | undefined, clients?: number }): Promise<TailCluster> {
  const cluster = `tail-${Math.random().toString(36).slice(2, 8)}`
  const servers: PeercallNode[] = []
  const served = new Map<string, number>()
  const nodes: PeercallNode[] = []
  const stop = async (): Promise<void> => { await Promise.allSettled(nodes.map(async p => { await p.stop() })) }
  try {
    const first = await createNode({ cluster, membership: { profile: 'lan' } })
    nodes.push(first)
    const boot = [first.multiaddrs[0]]
    const k = options.clients ?? 1
    nodes.push(...await Promise.all(Array.from({ length: n + k - 1 }, async () => await createNode({ cluster, bootstrap: boot, membership: { profile: 'lan' } }))))
    const clients = nodes.slice(0, k)
    servers.push(...nodes.slice(k))
    servers.forEach((s, i) => {
      const delay = i === 0 && options.slowMs !== undefined ? options.slowMs : options.fastMs
      served.set(s.peerId, 0)
      s.register('Who', {
        work: async () => {
          served.set(s.peerId, (served.get(s.peerId) ?? 0) + 1)
          await new Promise(resolve => setTimeout(resolve, delay))
          return s.peerId
        }
      }, { idempotent: ['work'] })
    })
    const ids = servers.map(s => s.peerId)
    await timed(() => clients.every(client => {
      const hosts = new Set(client.members().filter(m => m.state === 'alive' && m.services.includes('Who') && m.meta['idem:Who'] === 'work').map(m => m.peerId))
      return ids.every(id => hosts.has(id))
    }), 30_000, 'every client routes to every server')
    return { clients, servers, slow: options.slowMs !== undefined ? servers[0].peerId : undefined, served, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/** From `client`: `warmup` calls, then `calls` measured ones, `concurrency` in flight, routed by `strategy`. */
export async function runTail (c: TailCluster, client: PeercallNode, strategy: Balance, options: { calls: number, warmup: number, concurrency: number, timeoutMs: number }): Promise<TailRun> {
  const drive = async (count: number, record: (ms: number, peer: string | undefined) => void): Promise<void> => {
    let next = 0
    await Promise.all(Array.from({ length: options.concurrency }, async () => {
      while (next < count) {
        next++
        const t0 = performance.now()
        let peer: string | undefined
        try {
          peer = await client.call<string>('Who', 'work', [], { balance: strategy, timeoutMs: options.timeoutMs })
        } catch {
          peer = undefined
        }
        record(performance.now() - t0, peer)
      }
    }))
  }
  // every server must be a candidate (on a loaded machine membership may suspect one for a while)
  const ids = c.servers.map(s => s.peerId)
  const routable = (): boolean => {
    const hosts = new Set(client.members().filter(m => m.state === 'alive' && m.services.includes('Who')).map(m => m.peerId))
    return ids.every(id => hosts.has(id))
  }
  await timed(routable, 30_000, 'the client routes to every server')
  await drive(options.warmup, () => {})
  let lost = 0
  const onLost = (e: Event): void => { if (ids.includes((e as CustomEvent<{ peerId: string }>).detail.peerId)) lost++ }
  client.addEventListener('member:suspect', onLost)
  client.addEventListener('member:dead', onLost)
  const before = new Map(c.served)
  const hedgesBefore = client.stats().hedges
  const lat: number[] = []
  let failures = 0
  let slowAnswers = 0
  await drive(options.calls, (ms, peer) => {
    if (peer === undefined) { failures++; return }
    lat.push(ms)
    if (peer === c.slow) slowAnswers++
  })
  let attempts = 0
  for (const [id, k] of c.served) attempts += k - (before.get(id) ?? 0)
  const slowAttempts = c.slow !== undefined ? (c.served.get(c.slow) ?? 0) - (before.get(c.slow) ?? 0) : 0
  client.removeEventListener('member:suspect', onLost)
  client.removeEventListener('member:dead', onLost)
  lat.sort((a, b) => a - b)
  return {
    valid: lost === 0 && routable(),
    strategy,
    calls: options.calls,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    max: lat[lat.length - 1] ?? NaN,
    slowShare: attempts > 0 ? slowAttempts / attempts : 0,
    slowAnswers: lat.length > 0 ? slowAnswers / lat.length : 0,
    hedges: client.stats().hedges - hedgesBefore,
    failures
  }
}

export interface TailTrials {
  peers: number
  /** Per trial: p2c and round-robin with one slow peer, p2c with every peer healthy. */
  p2c: TailRun[]
  roundRobin: TailRun[]
  healthy: TailRun[]
}

export const TAIL_DEFAULTS = { fastMs: 4, slowMs: 40, calls: 2000, warmup: 400, concurrency: 16, timeoutMs: 5000 }

/**
 * `trials` rounds of the three runs, interleaved (p2c, round-robin, all-healthy p2c) so that a stretch of load from
 * elsewhere on the machine hits every variant alike. Two clusters: `n` peers with one slow (a client per strategy)
 * and `n` healthy ones.
 */
export async function tailTrials (n: number, trials: number, o: Partial<typeof TAIL_DEFAULTS> = {}, onRun?: (what: string, r: TailRun) => void): Promise<TailTrials> {
  const opts = { ...TAIL_DEFAULTS, ...o }
  const out: TailTrials = { peers: n, p2c: [], roundRobin: [], healthy: [] }
  const slow = await startTailCluster(n, { fastMs: opts.fastMs, slowMs: opts.slowMs, clients: 2 })
  try {
    const healthy = await startTailCluster(n, { fastMs: opts.fastMs, slowMs: undefined })
    try {
      for (let i = 0; i < trials; i++) {
        // the warm-up once: each client keeps what it learned for the next trials
        const o = i === 0 ? opts : { ...opts, warmup: 0 }
        // a run during which a server was suspected is not the scenario: it is run again (twice at most)
        const run = async (cl: TailCluster, client: PeercallNode, strategy: Balance, what: string): Promise<TailRun> => {
          let r = await runTail(cl, client, strategy, o)
          for (let k = 0; k < 2 && !r.valid; k++) { onRun?.(`${what} (not valid: a server was suspected; again)`, r); r = await runTail(cl, client, strategy, o) }
          onRun?.(what, r)
          return r
        }
        out.p2c.push(await run(slow, slow.clients[0], 'p2c', 'p2c'))
        out.roundRobin.push(await run(slow, slow.clients[1], 'round-robin', 'round-robin'))
        out.healthy.push(await run(healthy, healthy.clients[0], 'p2c', 'healthy'))
      }
    } finally {
      await healthy.stop()
    }
  } finally {
    await slow.stop()
  }
  return out
}

export function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  if (s.length === 0) return NaN
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

export interface HashPasses {
  keys: number
  /** Keys whose answering peer differed between the passes. */
  moved: number
  /** Answers from another peer than `owners(key)[0]`. */
  offOwner: number
  /** Keys per answering peer, first pass. */
  perPeer: Map<string, number>
  failures: number
}

/** Sequential 'hash' calls for `keys` keys, twice over, from `client`: where each key's answer came from. */
export async function hashPasses (c: TailCluster, client: PeercallNode, keys: number, timeoutMs = 5000): Promise<HashPasses> {
  const first = new Map<string, string>()
  const out: HashPasses = { keys, moved: 0, offOwner: 0, perPeer: new Map(), failures: 0 }
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < keys; i++) {
      const key = `key-${i}`
      let peer: string
      try {
        peer = await client.call<string>('Who', 'work', [], { balance: 'hash', key, timeoutMs })
      } catch {
        out.failures++
        continue
      }
      if (peer !== client.owners('Who', key, 1)[0]) out.offOwner++
      if (pass === 0) {
        first.set(key, peer)
        out.perPeer.set(peer, (out.perPeer.get(peer) ?? 0) + 1)
      } else if (first.get(key) !== peer) out.moved++
    }
  }
  return out
}
