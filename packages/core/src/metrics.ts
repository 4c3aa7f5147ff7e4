/**
 * Prometheus metrics of one node (prom-client), one registry per node so that several nodes can live in one
 * process. Calls are counted as they end (`observeCalls`); retries, hedges, ejections, members and load are read
 * from the node when Prometheus scrapes. Served at `/metrics` by the node's HTTP server (dashboard/server.ts).
 */
import { membershipTopic } from '@peercall/membership'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { CallRecord, MemberState } from './index.js'
import type { Node } from './node.js'

/** Histogram buckets of call latency, seconds: 0.5 ms .. 10 s, covering loopback calls to slow handlers. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/**
 * The label that stands in for a service or method name this node does not know (NOT_FOUND): names come from
 * remote callers, and a label per name would let any peer grow the registry without bound.
 */
export const UNKNOWN_LABEL = '_unknown_'

const STATES: MemberState[] = ['alive', 'suspect', 'dead', 'left']
const MEMBER_EVENTS = ['member:join', 'member:update', 'member:suspect', 'member:dead', 'member:leave'] as const

export interface NodeMetrics {
  readonly registry: Registry
  /** The Prometheus text exposition of every metric. */
  text(): Promise<string>
  readonly contentType: string
  /** Detaches from the node (its listeners and timers). */
  close(): void
}

export function createMetrics (node: Node): NodeMetrics {
  const registry = new Registry()
  registry.setDefaultLabels({ peer: node.peerId })
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 })

  const labels = ['service', 'method', 'code'] as const
  const calls = new Counter({ name: 'peercall_calls_total', help: 'Calls this node made, by service, method and outcome code (OK or an RpcError code); one per logical call, retries and hedges included in it', labelNames: labels, registers: [registry] })
  const callSeconds = new Histogram({ name: 'peercall_call_duration_seconds', help: 'Latency of calls this node made, seconds, retries and hedges included', labelNames: ['service', 'method'], buckets: LATENCY_BUCKETS, registers: [registry] })
  const served = new Counter({ name: 'peercall_served_total', help: 'Calls this node served, by service, method and outcome code', labelNames: labels, registers: [registry] })
  const servedSeconds = new Histogram({ name: 'peercall_serve_duration_seconds', help: 'Time this node took to serve calls, seconds', labelNames: ['service', 'method'], buckets: LATENCY_BUCKETS, registers: [registry] })
  const unobserve = node.observeCalls((r: CallRecord) => {
    const known = r.code !== 'NOT_FOUND'
    const l = { service: known ? r.service : UNKNOWN_LABEL, method: known ? r.method : UNKNOWN_LABEL }
    if (r.side === 'client') {
      calls.inc({ ...l, code: r.code })
      callSeconds.observe(l, r.durationMs / 1000)
    } else {
      served.inc({ ...l, code: r.code })
      servedSeconds.observe(l, r.durationMs / 1000)
    }
  })

  // counters the node already keeps: read at scrape time, added as deltas so the Prometheus counters stay monotonic
  const last = { retries: 0, hedges: 0 }
  const retries = new Counter({ name: 'peercall_retries_total', help: 'Retry attempts of calls this node made', registers: [registry], collect () { const s = node.stats().retries; this.inc(s - last.retries); last.retries = s } })
  const hedges = new Counter({ name: 'peercall_hedges_total', help: 'Hedged (second) attempts of calls this node made', registers: [registry], collect () { const s = node.stats().hedges; this.inc(s - last.hedges); last.hedges = s } })
  void retries; void hedges

  // ejections: the balancer keeps a decaying multiplier per peer; each rise is an ejection
  const ejectionSeen = new Map<string, number>()
  const ejections = new Counter({ name: 'peercall_ejections_total', help: 'Outlier ejections of peers by this node\'s balancer (counted when observed at scrape time)', registers: [registry] })
  new Gauge({
    name: 'peercall_ejected_peers',
    help: 'Peers this node\'s balancer has ejected now',
    registers: [registry],
    collect () {
      let now = 0
      for (const m of node.members()) {
        if (m.self) continue
        const s = node.balancer.stats(m.peerId)
        if (s.state === 'ejected') now++
        const before = ejectionSeen.get(m.peerId) ?? 0
        if (s.ejections > before) ejections.inc(s.ejections - before)
        ejectionSeen.set(m.peerId, s.ejections)
      }
      this.set(now)
    }
  })

  new Gauge({
    name: 'peercall_members',
    help: 'Members of the cluster as this node sees them, by state (this node included)',
    labelNames: ['state'],
    registers: [registry],
    collect () {
      const counts = new Map<string, number>(STATES.map(s => [s, 0]))
      for (const m of node.members()) counts.set(m.state, (counts.get(m.state) ?? 0) + 1)
      for (const [state, n] of counts) this.set({ state }, n)
    }
  })
  const memberEvents = new Counter({ name: 'peercall_member_events_total', help: 'Membership events seen by this node, by type', labelNames: ['type'], registers: [registry] })
  const onMember = (e: Event): void => { memberEvents.inc({ type: e.type.slice('member:'.length) }) }
  for (const type of MEMBER_EVENTS) node.addEventListener(type, onMember)

  const gossip = new Counter({ name: 'peercall_gossip_messages_total', help: 'Membership gossip messages received on the cluster\'s gossipsub topic', registers: [registry] })
  const topic = membershipTopic(node.cluster)
  const pubsub = (node.libp2p as any).services?.pubsub as EventTarget | undefined
  const onGossip = (e: Event): void => { if ((e as CustomEvent<{ topic: string }>).detail?.topic === topic) gossip.inc() }
  pubsub?.addEventListener('message', onGossip)

  new Gauge({ name: 'peercall_inflight_calls', help: 'Calls executing on this node now', registers: [registry], collect () { this.set(node.stats().inflight) } })
  new Gauge({ name: 'peercall_rpc_peers', help: 'Peers this node has an RPC stream with', registers: [registry], collect () { this.set(node.stats().peers) } })
  new Counter({ name: 'peercall_dedup_hits_total', help: 'Repeated call ids answered from the idempotency cache', registers: [registry], collect () { const s = node.stats().dedupHits; this.inc(s - dedupLast); dedupLast = s } })
  let dedupLast = 0

  return {
    registry,
    contentType: registry.contentType,
    text: async () => await registry.metrics(),
    close () {
      unobserve()
      for (const type of MEMBER_EVENTS) node.removeEventListener(type, onMember)
      pubsub?.removeEventListener('message', onGossip)
      registry.clear()
    }
  }
}
