/**
 * The real-peer tail scenario in virtual time (docs/balancing.md, "The tail on real peers"): one caller that
 * hosts nothing keeps `inflight` calls outstanding (a closed loop) to `peers` peers that serve every call at once
 * (no queue: a handler that awaits a timer), each answering after its service time plus an exponential jitter, 0.5
 * ms each way on the network. The caller routes as peercall's router does with its balancer: a hedge after
 * `hedgeDelayMs(peer)` within the budget, a slow peer's probe hedged at once outside the budget and run to its end,
 * the loser of a race reported `cancelled`, a hedge's outcome flagged. Deterministic for a seed.
 */
import { createBalancer, seededRandom, type Candidate, type Strategy } from '../src/index.js'
import { EventQueue } from './heap.js'

export interface ClosedLoopConfig {
  strategy: Strategy
  peers: number
  /** Service time of every peer, ms. */
  serviceMs: number
  /** Service time of peer 0, ms (the slow one); default serviceMs. */
  slowMs?: number
  /** Mean of the exponential jitter added to every service time, ms. @default 0.1 x serviceMs */
  jitterMs?: number
  inflight?: number
  warmup?: number
  calls?: number
  seed?: number
  networkMs?: number
}

export interface ClosedLoopResult {
  p50: number
  p99: number
  max: number
  /** Share of the measured calls' attempts that went to peer 0. */
  slowShare: number
  /** Share of the measured calls answered by peer 0. */
  slowAnswers: number
  hedges: number
}

export function closedLoop (config: ClosedLoopConfig): ClosedLoopResult {
  const c = { inflight: 16, warmup: 400, calls: 2000, seed: 1, networkMs: 0.5, jitterMs: 0.1 * config.serviceMs, ...config }
  const rnd = seededRandom(c.seed)
  const q = new EventQueue()
  const bal = createBalancer({ now: () => q.now, seed: c.seed * 7919, hedging: { minPerSecond: 1 } }) // the RPC core's reserve
  const ids = Array.from({ length: c.peers }, (_, i) => `peer-${String(i).padStart(2, '0')}`)
  const candidates: Candidate[] = ids.map(peerId => ({ peerId }))
  const service = (i: number): number => (i === 0 ? c.slowMs ?? c.serviceMs : c.serviceMs) - Math.log(1 - rnd()) * c.jitterMs
  const total = c.warmup + c.calls
  const latencies: number[] = []
  let started = 0
  let attemptsMeasured = 0
  let attemptsSlow = 0
  let answersSlow = 0
  let hedges = 0

  const call = (): void => {
    if (started >= total) return
    const measured = started++ >= c.warmup
    const t0 = q.now
    let done = false
    const tried = new Set<string>()
    const active: Array<{ peer: string, at: number, hedge: boolean, probe: boolean, ended: boolean }> = []
    bal.onCall()
    const launch = (hedge: boolean): void => {
      const peer = bal.pick(candidates, { strategy: c.strategy, exclude: tried, service: 'sim', mayProbe: true })
      if (peer === undefined) return
      tried.add(peer)
      const i = ids.indexOf(peer)
      const probe = bal.hedgeDelayMs(peer) === 0
      const a = { peer, at: q.now, hedge, probe, ended: false }
      active.push(a)
      bal.onStart(peer)
      if (measured) { attemptsMeasured++; if (i === 0) attemptsSlow++ }
      if (hedge && measured) hedges++
      q.after(2 * c.networkMs + service(i), () => {
        if (a.ended) return
        a.ended = true
        bal.onEnd(peer, { latencyMs: q.now - a.at, ok: true, hedge: a.hedge })
        if (done) return
        done = true
        if (measured) { latencies.push(q.now - t0); if (i === 0) answersSlow++ }
        for (const o of active) {
          if (o.ended || o.probe) continue // a probe runs to its end
          o.ended = true
          bal.onEnd(o.peer, { latencyMs: q.now - o.at, ok: false, failureKind: 'cancelled', hedge: o.hedge })
        }
        q.after(0, call)
      })
      if (active.length === 1) {
        const d = bal.hedgeDelayMs(peer)
        if (d !== undefined) {
          q.after(d, () => {
            if (!done && (probe || bal.hedging.tryAcquire())) launch(true)
          })
        }
      }
    }
    launch(false)
  }
  for (let k = 0; k < c.inflight; k++) q.at(0, call)
  q.run()
  latencies.sort((a, b) => a - b)
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)]
  return {
    p50: pct(0.5),
    p99: pct(0.99),
    max: latencies[latencies.length - 1],
    slowShare: attemptsSlow / attemptsMeasured,
    slowAnswers: answersSlow / latencies.length,
    hedges
  }
}
