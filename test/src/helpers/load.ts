/**
 * Load and figures for the failover suites: a driver of routed idempotent calls split into named phases
 * (before / during / after a fault), per-phase counts and latency percentiles, and a tracker of which peer each
 * attempt went to (the router reports every attempt to the balancer: `onStart`, `onEnd`).
 */
import type { NodeStats, PeercallNode } from '@peercall/core'
import type { Balancer } from '@peercall/balancer'

export interface CallRecord {
  phase: string
  start: number
  ms: number
  ok: boolean
  code?: string
  message?: string
}

export interface PhaseStats {
  phase: string
  /** Wall time of the phase, ms. */
  durationMs: number
  attempted: number
  failed: number
  retried: number
  hedged: number
  p50: number
  p99: number
  max: number
  /** Error codes of failed calls with their counts. */
  errors: Record<string, number>
  /** A few messages of failed calls. */
  messages: string[]
}

export interface LoadOptions {
  /** Concurrent callers. */
  concurrency: number
  /** One logical call; must reject on a wrong answer. */
  call: (i: number) => Promise<unknown>
  /** Pause between calls of one caller, ms. */
  pauseMs?: number
}

export function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))]
}

/**
 * Runs `concurrency` callers until stopped. Each call is labelled with the phase current when it started;
 * retries and hedges are read from the client's `stats()` at each phase change.
 */
export class LoadDriver {
  readonly records: CallRecord[] = []
  private phase = 'before'
  private running = false
  private workers: Array<Promise<void>> = []
  private readonly marks: Array<{ phase: string, at: number, stats: NodeStats }> = []
  private seq = 0

  constructor (private readonly clients: PeercallNode[], private readonly options: LoadOptions) {}

  start (phase = 'before'): void {
    this.running = true
    this.mark(phase)
    this.workers = Array.from({ length: this.options.concurrency }, async () => { await this.worker() })
  }

  /** Starts a new phase: calls started from now on are counted in it. */
  mark (phase: string): void {
    this.phase = phase
    this.marks.push({ phase, at: performance.now(), stats: sumStats(this.clients) })
  }

  get current (): string { return this.phase }

  /** Calls that failed so far. */
  get failures (): CallRecord[] { return this.records.filter(r => !r.ok) }

  /** Calls of `phase` that succeeded. */
  succeeded (phase?: string): number {
    return this.records.filter(r => r.ok && (phase === undefined || r.phase === phase)).length
  }

  async stop (): Promise<PhaseStats[]> {
    this.running = false
    await Promise.all(this.workers)
    this.mark('end')
    return this.stats()
  }

  private async worker (): Promise<void> {
    while (this.running) {
      const i = this.seq++
      const phase = this.phase
      const start = performance.now()
      try {
        await this.options.call(i)
        this.records.push({ phase, start, ms: performance.now() - start, ok: true })
      } catch (err) {
        this.records.push({ phase, start, ms: performance.now() - start, ok: false, code: (err as { code?: string }).code ?? String(err), message: (err as Error).message })
      }
      const pause = this.options.pauseMs ?? 5
      if (pause > 0) await new Promise(resolve => setTimeout(resolve, pause))
    }
  }

  /** Per-phase figures, in phase order (a phase marked twice is merged). */
  stats (): PhaseStats[] {
    const out = new Map<string, PhaseStats & { lat: number[] }>()
    for (let k = 0; k + 1 < this.marks.length; k++) {
      const m = this.marks[k]
      const next = this.marks[k + 1]
      let s = out.get(m.phase)
      if (s === undefined) {
        s = { phase: m.phase, durationMs: 0, attempted: 0, failed: 0, retried: 0, hedged: 0, p50: NaN, p99: NaN, max: NaN, errors: {}, messages: [], lat: [] }
        out.set(m.phase, s)
      }
      s.durationMs += next.at - m.at
      s.retried += next.stats.retries - m.stats.retries
      s.hedged += next.stats.hedges - m.stats.hedges
    }
    for (const r of this.records) {
      const s = out.get(r.phase)
      if (s === undefined) continue
      s.attempted++
      if (r.ok) s.lat.push(r.ms)
      else {
        s.failed++
        s.errors[r.code ?? '?'] = (s.errors[r.code ?? '?'] ?? 0) + 1
        if (s.messages.length < 5 && r.message !== undefined) s.messages.push(r.message)
      }
    }
    return [...out.values()].map(({ lat, ...s }) => {
      lat.sort((a, b) => a - b)
      return { ...s, p50: percentile(lat, 50), p99: percentile(lat, 99), max: lat.length > 0 ? lat[lat.length - 1] : NaN }
    })
  }
}

function sumStats (nodes: PeercallNode[]): NodeStats {
  const s: NodeStats = { calls: 0, failures: 0, retries: 0, hedges: 0, inflight: 0, served: 0, servedLatencyMs: 0, dedupHits: 0, peers: 0 }
  for (const n of nodes) {
    const x = n.stats()
    s.calls += x.calls
    s.failures += x.failures
    s.retries += x.retries
    s.hedges += x.hedges
  }
  return s
}

export interface Attempt {
  peer: string
  at: number
  /** Set when the attempt ended. */
  ok?: boolean
  failure?: string
}

/**
 * Records every attempt a client's router makes, by peer: the router reports each attempt's start and end to
 * the node's balancer, which this wraps (the client is a `createNode` in the test process).
 */
export class AttemptTracker {
  readonly attempts: Attempt[] = []
  private readonly open = new Map<string, Attempt[]>()

  constructor (client: PeercallNode) {
    const balancer = (client as unknown as { balancer: Balancer }).balancer
    if (balancer === undefined) throw new Error('the client node exposes no balancer')
    const onStart = balancer.onStart.bind(balancer)
    const onEnd = balancer.onEnd.bind(balancer)
    balancer.onStart = (peer: string) => {
      const a: Attempt = { peer, at: performance.now() }
      this.attempts.push(a)
      const list = this.open.get(peer) ?? []
      list.push(a)
      this.open.set(peer, list)
      onStart(peer)
    }
    balancer.onEnd = (peer, outcome) => {
      const a = this.open.get(peer)?.shift()
      if (a !== undefined) {
        a.ok = outcome.ok
        if (!outcome.ok) a.failure = outcome.failureKind
      }
      onEnd(peer, outcome)
    }
  }

  /** Attempts sent to `peer` that started after `since` (performance.now() time). */
  sentTo (peer: string, since = 0): number {
    return this.attempts.filter(a => a.peer === peer && a.at > since).length
  }

  /** Successful answers from `peer` to attempts started after `since`. */
  servedBy (peer: string, since = 0): number {
    return this.attempts.filter(a => a.peer === peer && a.at > since && a.ok === true).length
  }

  /** Successful answers per peer to attempts started after `since`. */
  servedPerPeer (since = 0): Map<string, number> {
    const m = new Map<string, number>()
    for (const a of this.attempts) if (a.at > since && a.ok === true) m.set(a.peer, (m.get(a.peer) ?? 0) + 1)
    return m
  }
}

/** Resolves with the performance.now() time at which `node` emits `event` about `peer` (after `since`). */
export function whenEvent (node: PeercallNode, event: string, peer: string): { at: () => number | undefined, promise: Promise<number> } {
  let at: number | undefined
  const promise = new Promise<number>(resolve => {
    const on = (e: Event): void => {
      if ((e as CustomEvent<{ peerId: string }>).detail.peerId !== peer) return
      node.removeEventListener(event, on)
      at = performance.now()
      resolve(at)
    }
    node.addEventListener(event, on)
  })
  return { at: () => at, promise }
}

/** Polls `cond` until it holds; resolves with the ms it took; rejects after `timeoutMs`. */
export async function timed (cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string, pollMs = 20): Promise<number> {
  const start = performance.now()
  while (!(await cond())) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, pollMs))
  }
  return performance.now() - start
}

/** Waits `ms` (used only to hold a phase open for a measured period, never to wait for a condition). */
export async function hold (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

/** `promise`, or a rejection naming `what` after `timeoutMs` (the timer is cleared either way). */
export async function within<T> (promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([promise, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)) }, timeoutMs) })])
  } finally {
    clearTimeout(timer)
  }
}
