/**
 * A seeded discrete-event simulation in virtual time: `clients` callers (each a peer with its own balancer, as in a
 * peercall cluster) send Poisson arrivals to `peers` servers, each with `concurrency` workers, a FIFO queue and
 * exponential service times. Servers gossip their load (in flight, EWMA latency) every `gossipIntervalMs`; callers
 * report every attempt to their balancer (onStart/onEnd), and can hedge. Deterministic for a given seed.
 */
import { createBalancer, seededRandom, type Balancer, type BalancerOptions, type Candidate, type Strategy } from '../src/index.js'
import { EventQueue } from './heap.js'

export interface SimConfig {
  strategy: Strategy
  seed?: number
  calls?: number
  peers?: number
  /** Callers; caller i is co-located with peer i (for local-first). @default peers */
  clients?: number
  /** Total arrival rate, calls per second. */
  ratePerSec?: number
  /** Mean service time per peer (ms); a peer not listed gets `serviceMs`. */
  serviceMsByPeer?: number[]
  serviceMs?: number
  concurrency?: number
  /** One-way network delay between distinct peers (ms). */
  networkMs?: number
  gossipIntervalMs?: number
  /** Hedge with the balancer's hedging policy. */
  hedge?: boolean
  /** Distinct keys for 'hash' (uniform). */
  keys?: number
  /** Options for every caller's balancer (clock and seed are set by the simulation). */
  balancer?: BalancerOptions
  /** Label in results. @default the strategy (+ ' + hedging') */
  label?: string
}

export interface SimResult {
  strategy: string
  calls: number
  meanMs: number
  p50Ms: number
  p99Ms: number
  p999Ms: number
  /** Attempts served per peer. */
  perPeer: number[]
  /** max/mean of attempts per peer. */
  maxOverMean: number
  /** Share of calls served by peer 0 (the slow one in the slow scenario). */
  shareOfPeer0: number
  hedges: number
}

export const SIM_DEFAULTS = {
  seed: 1,
  calls: 100_000,
  peers: 8,
  ratePerSec: 240,
  serviceMs: 10,
  concurrency: 4,
  networkMs: 0.5,
  gossipIntervalMs: 1000,
  keys: 10_000
}

interface Job { service: number, done: () => void, cancelled: boolean }

class Server {
  busy = 0
  readonly queue: Job[] = []
  served = 0
  ewmaMs = 0
  inflight = 0
  constructor (readonly q: EventQueue, readonly workers: number) {}

  submit (job: Job): void {
    this.inflight++
    if (this.busy < this.workers) this.start(job, this.q.now)
    else this.queue.push(job)
  }

  private start (job: Job, enqueuedAt: number): void {
    this.busy++
    this.q.after(job.service, () => {
      this.busy--
      this.inflight--
      this.served++
      const latency = this.q.now - enqueuedAt
      this.ewmaMs = this.ewmaMs === 0 ? latency : this.ewmaMs * 0.9 + latency * 0.1
      job.done()
      const next = this.queue.shift()
      if (next !== undefined) this.start(next, this.q.now)
    })
  }
}

export function simulate (config: SimConfig): SimResult {
  const c = { ...SIM_DEFAULTS, ...config }
  const clients = config.clients ?? c.peers
  const rnd = seededRandom(c.seed)
  const exp = (mean: number): number => -Math.log(1 - rnd()) * mean
  const q = new EventQueue()
  const ids = Array.from({ length: c.peers }, (_, i) => `peer-${String(i).padStart(2, '0')}`)
  const servers = ids.map(() => new Server(q, c.concurrency))
  const serviceMean = ids.map((_, i) => config.serviceMsByPeer?.[i] ?? c.serviceMs)
  // the simulated clients call thousands of times a second: the hedging budget is its percentage alone, without
  // the per-second floor (which is for callers with little traffic), so that runs compare to the documented 5%
  const balancers: Balancer[] = Array.from({ length: clients }, (_, k) => createBalancer({ ...config.balancer, hedging: { minPerSecond: 0, ...config.balancer?.hedging }, now: () => q.now, seed: c.seed * 1000 + k }))
  const candidateLists: Candidate[][] = Array.from({ length: clients }, (_, k) => ids.map((peerId, i) => ({ peerId, local: i === k })))
  const latencies = new Float64Array(c.calls)
  let started = 0
  let finished = 0
  let hedges = 0

  const gossip = (): void => {
    for (let k = 0; k < clients; k++) {
      candidateLists[k] = ids.map((peerId, i) => ({
        peerId,
        local: i === k,
        load: { inflight: servers[i].inflight, latencyMs: servers[i].ewmaMs, at: q.now }
      }))
    }
    if (finished < c.calls) q.after(c.gossipIntervalMs, gossip)
  }
  q.at(c.gossipIntervalMs, gossip)

  const call = (k: number): void => {
    const bal = balancers[k]
    const t0 = q.now
    const index = started++
    let done = false
    const key = c.strategy === 'hash' ? `key-${Math.floor(rnd() * c.keys)}` : undefined
    const attempts: Array<{ peer: string, sentAt: number, ended: boolean, hedge: boolean, probe: boolean }> = []
    const mayProbe = config.hedge === true && c.strategy !== 'hash'
    bal.onCall()
    const attempt = (exclude?: ReadonlySet<string>): string | undefined => {
      const peer = bal.pick(candidateLists[k], { strategy: c.strategy, key, exclude, service: 'sim', mayProbe })
      if (peer === undefined) return undefined
      const i = ids.indexOf(peer)
      const net = i === k ? 0 : c.networkMs
      // as the router: a hedge's outcome is flagged; an attempt hedged at once (a slow peer's probe) runs to its end
      const a = { peer, sentAt: q.now, ended: false, hedge: exclude !== undefined, probe: mayProbe && bal.hedgeDelayMs(peer) === 0 }
      attempts.push(a)
      bal.onStart(peer)
      q.after(net, () => {
        servers[i].submit({
          service: exp(serviceMean[i]),
          cancelled: false,
          done: () => q.after(net, () => {
            if (a.ended) return // the caller stopped waiting for it
            a.ended = true
            bal.onEnd(peer, { latencyMs: q.now - a.sentAt, ok: true, hedge: a.hedge })
            if (done) return
            done = true
            latencies[index] = q.now - t0
            finished++
            // the other attempt is abandoned (cancelled); its late response is ignored
            for (const other of attempts) {
              if (!other.ended && !other.probe) {
                other.ended = true
                bal.onEnd(other.peer, { latencyMs: q.now - other.sentAt, ok: false, failureKind: 'cancelled', hedge: other.hedge })
              }
            }
          })
        })
      })
      return peer
    }
    const first = attempt()
    if (config.hedge === true && first !== undefined) {
      const probe = attempts[0].probe
      const d = bal.hedgeDelayMs(first)
      if (d !== undefined) {
        q.after(d, () => {
          if (!done && (probe || bal.hedging.tryAcquire())) {
            hedges++
            attempt(new Set(attempts.map(a => a.peer)))
          }
        })
      }
    }
  }

  // Poisson arrivals spread over the callers
  const arrive = (): void => {
    if (started >= c.calls) return
    call(Math.floor(rnd() * clients))
    q.after(exp(1000 / c.ratePerSec), arrive)
  }
  q.at(0, arrive)
  q.run()

  const sorted = latencies.slice(0, finished).sort()
  const pct = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]
  const perPeer = servers.map(s => s.served)
  const total = perPeer.reduce((a, b) => a + b, 0)
  return {
    strategy: config.label ?? c.strategy + (config.hedge === true ? ' + hedging' : ''),
    calls: finished,
    meanMs: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    p999Ms: pct(0.999),
    perPeer,
    maxOverMean: Math.max(...perPeer) / (total / perPeer.length),
    shareOfPeer0: perPeer[0] / total,
    hedges
  }
}
