/**
 * Prometheus metrics of one node (prom-client), one registry per node so that several nodes can live in one
 * process. Calls are counted as they end (`observeCalls`); retries, hedges, ejections, members and load are read
 * from the node when Prometheus scrapes. Served at `/metrics` by the node's HTTP server (dashboard/server.ts).
 */
import { MEMBER_EVENTS, membershipTopic } from '@peercall/membership'
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { CallRecord, Member, MemberState, NodeMetrics, ObservedNode } from './types.js'

/** Histogram buckets of call latency, seconds: 0.5 ms .. 10 s, covering loopback calls to slow handlers. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/**
 * The label that stands in for a service or method name this node does not know (NOT_FOUND): names come from
 * remote callers, and a label per name would let any peer grow the registry without bound.
 */
export const UNKNOWN_LABEL = '_unknown_'

const STATES: MemberState[] = ['alive', 'suspect', 'dead', 'left']

/** What a member event changes when it is more than a load refresh: services, metadata, addresses. */
export function memberShape (m: Pick<Member, 'services' | 'meta' | 'addrs'>): string {
  return JSON.stringify([m.services, Object.entries(m.meta ?? {}).sort(), m.addrs])
}

/** The index of the first bucket whose upper bound (`le`) holds `seconds`; LATENCY_BUCKETS.length for +Inf. */
export function latencyBucket (seconds: number): number {
  let i = 0
  while (i < LATENCY_BUCKETS.length && !(seconds <= LATENCY_BUCKETS[i])) i++
  return i
}

interface Row {
  labels: { service: string, method: string }
  codes: Map<string, number>
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  buckets: Float64Array
  sum: number
  count: number
}

/**
 * Counts and latency histograms of calls by service, method and code, kept in plain maps and exported to
 * prom-client as metric objects: prom-client's labelled `inc`/`observe` hash their label object on every call
 * (about 0.3-0.6 us each, measured), this costs one map lookup.
 */
class CallTable {
  private readonly rows = new Map<string, Row>()
  constructor (private readonly countName: string, private readonly countHelp: string, private readonly histName: string, private readonly histHelp: string) {}

  record (r: CallRecord): void {
    // names this node does not know come from remote callers: one label value for all of them
    const known = r.code !== 'NOT_FOUND'
    const key = known ? r.service + '\n' + r.method : ''
    let row = this.rows.get(key)
    if (row === undefined) {
      row = { labels: known ? { service: r.service, method: r.method } : { service: UNKNOWN_LABEL, method: UNKNOWN_LABEL }, codes: new Map(), buckets: new Float64Array(LATENCY_BUCKETS.length + 1), sum: 0, count: 0 }
      this.rows.set(key, row)
    }
    row.codes.set(r.code, (row.codes.get(r.code) ?? 0) + 1)
    const v = r.durationMs / 1000
    row.buckets[latencyBucket(v)]++
    row.sum += v
    row.count++
  }

  metrics (): object[] {
    const count = {
      name: this.countName,
      help: this.countHelp,
      type: 'counter',
      aggregator: 'sum',
      get: async () => ({
        name: this.countName,
        help: this.countHelp,
        type: 'counter',
        aggregator: 'sum',
        values: [...this.rows.values()].flatMap(row => [...row.codes].map(([code, value]) => ({ labels: { ...row.labels, code }, value })))
      })
    }
    const hist = {
      name: this.histName,
      help: this.histHelp,
      type: 'histogram',
      aggregator: 'sum',
      get: async () => ({
        name: this.histName,
        help: this.histHelp,
        type: 'histogram',
        aggregator: 'sum',
        values: [...this.rows.values()].flatMap(row => {
          let cumulative = 0
          const out: Array<{ labels: Record<string, string | number>, value: number, metricName: string }> = []
          for (let i = 0; i <= LATENCY_BUCKETS.length; i++) {
            cumulative += row.buckets[i]
            out.push({ labels: { ...row.labels, le: i < LATENCY_BUCKETS.length ? LATENCY_BUCKETS[i] : '+Inf' }, value: cumulative, metricName: this.histName + '_bucket' })
          }
          out.push({ labels: row.labels, value: row.sum, metricName: this.histName + '_sum' })
          out.push({ labels: row.labels, value: row.count, metricName: this.histName + '_count' })
          return out
        })
      })
    }
    return [count, hist]
  }
}

/** Prometheus metrics of `node`, read through its observation API; `pubsub` (libp2p's gossipsub) adds the gossip counter. */
export function createMetrics (node: ObservedNode, pubsub?: EventTarget): NodeMetrics {
  const registry = new Registry()
  // which peer this is: one info series (the Prometheus convention, as target_info); each series carries no peer
  // label of its own: the scrape target (job, instance) tells the peers apart, and a join on peercall_peer_info
  // adds the peer id where it is wanted
  new Gauge({ name: 'peercall_peer_info', help: 'This peer: its peer id and cluster (always 1)', labelNames: ['peer', 'cluster'], registers: [registry] }).set({ peer: node.peerId, cluster: node.cluster }, 1)
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 })

  const made = new CallTable('peercall_calls_total', 'Calls this node made, by service, method and outcome code (OK or an RpcError code); one per logical call, its retries and hedges included',
    'peercall_call_duration_seconds', 'Latency of calls this node made, seconds, retries and hedges included')
  const served = new CallTable('peercall_served_total', 'Calls this node served, by service, method and outcome code',
    'peercall_serve_duration_seconds', 'Time this node took to serve calls, seconds')
  for (const m of [...made.metrics(), ...served.metrics()]) registry.registerMetric(m as never)
  const unobserve = node.observeCalls((r: CallRecord) => { (r.side === 'client' ? made : served).record(r) })

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
        const s = node.peerStats(m.peerId)
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
  const memberEvents = new Counter({ name: 'peercall_member_events_total', help: 'Membership events seen by this node, by type; update counts changes of a member\'s services, metadata or addresses (not the periodic load refresh)', labelNames: ['type'], registers: [registry] })
  for (const type of MEMBER_EVENTS) memberEvents.inc({ type: type.slice('member:'.length) }, 0)
  const shapes = new Map<string, string>()
  const onMember = (e: Event): void => {
    const type = e.type.slice('member:'.length)
    const m = (e as CustomEvent<Member>).detail
    if (m === undefined) return
    if (type === 'leave' || type === 'dead') shapes.delete(m.peerId)
    else {
      const shape = memberShape(m)
      const before = shapes.get(m.peerId)
      shapes.set(m.peerId, shape)
      if (type === 'update' && before === shape) return // a load refresh: the same member, newer figures
    }
    memberEvents.inc({ type })
  }
  for (const type of MEMBER_EVENTS) node.addEventListener(type, onMember)

  const gossip = new Counter({ name: 'peercall_gossip_messages_total', help: 'Membership gossip messages received on the cluster\'s gossipsub topic', registers: [registry] })
  const topic = membershipTopic(node.cluster)
  const onGossip = (e: Event): void => { if ((e as CustomEvent<{ topic: string }>).detail?.topic === topic) gossip.inc() }
  pubsub?.addEventListener('message', onGossip)

  new Gauge({ name: 'peercall_inflight_calls', help: 'Calls executing on this node now', registers: [registry], collect () { this.set(node.stats().inflight) } })
  new Gauge({ name: 'peercall_rpc_peers', help: 'Peers this node has an RPC stream with', registers: [registry], collect () { this.set(node.stats().peers) } })
  // keyed 'hash' picks that went elsewhere than the key's owner, by reason (a membership change shows in
  // peercall_member_events_total instead: it moves keys by changing the ring)
  const rerouteLast: Record<string, number> = {}
  new Counter({
    name: 'peercall_hash_reroutes_total',
    help: 'Keyed hash-routed attempts this node sent elsewhere than the key\'s owner, by reason: excluded (a retry), ejected (the owner failed), over-capacity (bounded loads)',
    labelNames: ['reason'],
    registers: [registry],
    collect () {
      for (const [reason, n] of Object.entries(node.hashReroutes())) {
        this.inc({ reason }, n - (rerouteLast[reason] ?? 0))
        rerouteLast[reason] = n
      }
    }
  })
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
