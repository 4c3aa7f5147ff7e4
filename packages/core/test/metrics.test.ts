/**
 * Prometheus metrics move with real traffic: calls by service, method and code, latency histograms, served calls,
 * retries, hedges, members by state, membership events and gossip, and `/metrics` over HTTP.
 * Real libp2p nodes on loopback with the fast membership profile.
 */
import test from 'ava'
import { createNode, RpcError } from '../src/index.js'
import { LATENCY_BUCKETS, UNKNOWN_LABEL, latencyBucket } from '../src/metrics.js'
import { waitFor } from './helpers/wait.js'
import type { NodeOptions, PeercallNode } from '../src/index.js'

const FAST: NodeOptions = { membership: { profile: 'fast' } }

async function cluster (n: number, t: { teardown: (fn: () => Promise<void>) => void }, first: NodeOptions = {}): Promise<PeercallNode[]> {
  const a = await createNode({ ...FAST, ...first })
  const nodes = [a]
  t.teardown(async () => { await Promise.all(nodes.map(async x => { await x.stop().catch(() => {}) })) })
  for (let i = 1; i < n; i++) nodes.push(await createNode({ ...FAST, metrics: true, bootstrap: [a.multiaddrs[0]] }))
  return nodes
}

/** The value of one sample in a Prometheus text exposition (0 when absent); `labels` must all match. */
function sample (text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue
    total += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return total
}

async function hosts (nodes: PeercallNode[], service: string, count: number): Promise<void> {
  await waitFor(() => nodes.every(n => n.members().filter(m => m.state === 'alive' && m.services.includes(service)).length === count), 15_000, `${count} hosts of ${service}`)
}

test('latency buckets: a value goes to the first bucket whose bound holds it (le), past the last to +Inf', t => {
  const cases: Array<[number, number]> = [[0, 0], [0.0005, 0], [0.0006, 1], [0.0025, 2], [0.003, 3], [1, 10], [10, 13], [10.5, 14], [NaN, 14]]
  t.is(LATENCY_BUCKETS.length, 14)
  for (const [seconds, index] of cases) t.is(latencyBucket(seconds), index, String(seconds))
})

test('metrics are off unless asked for', async t => {
  t.timeout(30_000)
  const node = await createNode(FAST)
  t.teardown(async () => { await node.stop() })
  t.is(node.metrics, undefined)
  t.is(node.httpUrl, undefined)
})

test('calls, codes, latency and served calls are counted as they happen, on both sides', async t => {
  t.timeout(60_000)
  const [client, server] = await cluster(2, t, { metrics: true })
  server.register('Calculator', {
    add: (a: number, b: number) => a + b,
    divide: (a: number, b: number) => { if (b === 0) throw new RangeError('division by zero'); return a / b }
  }, { idempotent: ['add', 'divide'] })
  await hosts([client], 'Calculator', 1)
  const before = await client.metrics!.text()
  t.is(sample(before, 'peercall_calls_total', { service: 'Calculator', method: 'add' }), 0)

  for (let i = 0; i < 25; i++) t.is(await client.call('Calculator', 'add', [i, 1]), i + 1)
  for (let i = 0; i < 3; i++) await t.throwsAsync(client.call('Calculator', 'divide', [1, 0]), { instanceOf: RpcError })
  await t.throwsAsync(client.call('Calculator', 'nosuch', []), { instanceOf: RpcError })
  // routed, that call is refused here (the server gossips its methods); pinned, it reaches the server
  await t.throwsAsync(client.call('Calculator', 'nosuch', [], { peer: server.peerId }), { instanceOf: RpcError })
  await t.throwsAsync(client.call('NoSuchService', 'x', [], { timeoutMs: 300 }), { instanceOf: RpcError })

  const text = await client.metrics!.text()
  t.is(sample(text, 'peercall_calls_total', { service: 'Calculator', method: 'add', code: 'OK' }), 25)
  t.is(sample(text, 'peercall_calls_total', { service: 'Calculator', method: 'divide', code: 'REMOTE' }), 3)
  t.is(sample(text, 'peercall_call_duration_seconds_count', { service: 'Calculator', method: 'add' }), 25)
  t.true(sample(text, 'peercall_call_duration_seconds_sum', { service: 'Calculator', method: 'add' }) > 0)
  // the +Inf bucket holds every observation; a 10 s bucket holds these loopback calls too
  t.is(sample(text, 'peercall_call_duration_seconds_bucket', { service: 'Calculator', method: 'add', le: '+Inf' }), 25)
  // names this node does not know are folded into one label value: remote callers cannot grow the registry
  t.false(text.includes('method="nosuch"'))
  t.is(sample(text, 'peercall_calls_total', { service: 'NoSuchService' }), 1, 'a call that found no host is counted too')
  t.true(sample(text, 'peercall_calls_total', { service: UNKNOWN_LABEL, method: UNKNOWN_LABEL }) >= 1)

  const served = await server.metrics!.text()
  t.is(sample(served, 'peercall_served_total', { service: 'Calculator', method: 'add', code: 'OK' }), 25)
  t.is(sample(served, 'peercall_served_total', { service: 'Calculator', method: 'divide', code: 'REMOTE' }), 3)
  t.is(sample(served, 'peercall_serve_duration_seconds_count', { service: 'Calculator', method: 'add' }), 25)
  t.true(sample(served, 'peercall_served_total', { code: 'NOT_FOUND' }) >= 1)
})

test('retries and hedges follow the router; members by state and gossip follow membership', async t => {
  t.timeout(90_000)
  const [client, flaky, good, third] = await cluster(4, t, { metrics: true })
  flaky.register('Flaky', { get: () => { throw new RpcError('UNAVAILABLE', 'not now', { retryable: true, mayHaveExecuted: false }) } }, { idempotent: true })
  good.register('Flaky', { get: () => 'ok' }, { idempotent: true })
  flaky.register('Slow', { get: async () => await new Promise(resolve => setTimeout(() => { resolve('slow') }, 300)) }, { idempotent: true })
  good.register('Slow', { get: () => 'fast' }, { idempotent: true })
  await hosts([client], 'Flaky', 2)
  await hosts([client], 'Slow', 2)
  await waitFor(() => client.members().filter(m => m.state === 'alive').length === 4, 15_000, '4 alive members')
  // keys whose owner on the hash ring is the flaky (and slow) host: every first attempt goes there
  const keyOwnedBy = (service: string, peer: string): string => {
    for (let i = 0; i < 1000; i++) if (client.owners(service, `k${i}`, 1)[0] === peer) return `k${i}`
    throw new Error('no key owned by ' + peer)
  }
  const flakyKey = keyOwnedBy('Flaky', flaky.peerId)
  const slowKey = keyOwnedBy('Slow', flaky.peerId)

  // (before the flaky host is ejected) slow first attempts are hedged to the other host after 20 ms
  for (let i = 0; i < 3; i++) t.is(await client.call('Slow', 'get', [], { balance: 'hash', key: slowKey, hedgeAfterMs: 20 }), 'fast')
  // first attempts fail at the flaky host and are retried at the good one (until the balancer ejects it)
  for (let i = 0; i < 10; i++) t.is(await client.call('Flaky', 'get', [], { balance: 'hash', key: flakyKey, retries: 2 }), 'ok')
  const stats = client.stats()
  t.true(stats.retries > 0, 'the scenario made retries')
  t.true(stats.hedges > 0, 'the scenario made hedges')
  let text = await client.metrics!.text()
  t.is(sample(text, 'peercall_retries_total'), stats.retries)
  t.is(sample(text, 'peercall_hedges_total'), stats.hedges)
  // ten failures in a row at the flaky host: the balancer ejected it (5 consecutive failures, 30 s)
  t.is(sample(text, 'peercall_ejected_peers'), 1)
  t.is(sample(text, 'peercall_ejections_total'), 1)
  // keyed picks that left the key's owner, by reason: hedges and retries (excluded), then the ejected owner's keys
  const reroutes = (client as unknown as { balancer: { hashReroutes: () => Record<string, number> } }).balancer.hashReroutes()
  t.true(reroutes.excluded > 0 && reroutes.ejected > 0, JSON.stringify(reroutes))
  for (const reason of ['excluded', 'ejected', 'over-capacity']) t.is(sample(text, 'peercall_hash_reroutes_total', { reason }), reroutes[reason])
  t.is(sample(text, 'peercall_members', { state: 'alive' }), 4)
  t.is(sample(text, 'peercall_members', { state: 'left' }), 0)
  // scraping twice does not count twice
  text = await client.metrics!.text()
  t.is(sample(text, 'peercall_retries_total'), stats.retries)

  await waitFor(async () => sample(await client.metrics!.text(), 'peercall_gossip_messages_total') > 0, 15_000, 'gossip messages counted')
  const joins = sample(text, 'peercall_member_events_total', { type: 'join' })
  t.true(joins >= 3, `joins counted: ${joins}`)

  // updates count changes of services, meta or addresses, not the once-a-second load refreshes
  const now = await client.metrics!.text()
  const updates = sample(now, 'peercall_member_events_total', { type: 'update' })
  const gossiped = sample(now, 'peercall_gossip_messages_total')
  // several record refreshes (each member's, every 1 s) arrive
  await waitFor(async () => sample(await client.metrics!.text(), 'peercall_gossip_messages_total') >= gossiped + 6, 15_000, 'record refreshes received')
  t.is(sample(await client.metrics!.text(), 'peercall_member_events_total', { type: 'update' }), updates, 'load refreshes are not counted')
  third.register('Another', { x: () => 1 })
  await waitFor(async () => sample(await client.metrics!.text(), 'peercall_member_events_total', { type: 'update' }) > updates, 15_000, 'a change of services counted as an update')

  await third.stop()
  await waitFor(async () => sample(await client.metrics!.text(), 'peercall_members', { state: 'left' }) === 1, 15_000, 'a member counted as left')
  text = await client.metrics!.text()
  t.is(sample(text, 'peercall_members', { state: 'alive' }), 3)
  t.is(sample(text, 'peercall_member_events_total', { type: 'leave' }), 1)
})

test('/metrics is served over HTTP in the Prometheus text format, on loopback by default', async t => {
  t.timeout(60_000)
  const [node, other] = await cluster(2, t, { http: { port: 0 } })
  other.register('Calculator', { add: (a: number, b: number) => a + b }, { idempotent: true })
  await hosts([node], 'Calculator', 1)
  for (let i = 0; i < 7; i++) await node.call('Calculator', 'add', [i, i])
  t.regex(node.httpUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/)
  const res = await fetch(`${node.httpUrl}/metrics`)
  t.is(res.status, 200)
  t.regex(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
  const text = await res.text()
  t.is(sample(text, 'peercall_calls_total', { service: 'Calculator', method: 'add', code: 'OK' }), 7)
  t.true(text.includes('# TYPE peercall_call_duration_seconds histogram'))
  // the peer is named once, in peercall_peer_info; no other series carries it (the scrape target tells peers apart)
  t.is(sample(text, 'peercall_peer_info', { peer: node.peerId, cluster: 'default' }), 1)
  t.deepEqual(text.split('\n').filter(l => l.includes(node.peerId)).map(l => l.split('{')[0]), ['peercall_peer_info'])
  t.true(sample(text, 'process_cpu_seconds_total') > 0, 'default process metrics')
  await node.stop()
  await t.throwsAsync(fetch(`${node.httpUrl ?? ''}/metrics`), undefined, 'the server closes with the node')
})
