/**
 * Cluster events over real libp2p peers on loopback (fast membership profile): emit to one subscriber per group
 * with failover, broadcast to every subscribing peer, the record carrying subscriptions, and the errors.
 */
import test from 'ava'
import { createNode, RpcError } from '../../src/index.js'
import { waitFor } from '../helpers/wait.js'
import type { EventContext, NodeOptions, PeercallNode } from '../../src/index.js'
import type { Node } from '../../src/node.js'
import { rejection } from '../helpers/rejection.js'

const FAST: NodeOptions = { membership: { profile: 'fast' } }

async function cluster (n: number, t: { teardown: (fn: () => Promise<void>) => void }): Promise<PeercallNode[]> {
  const first = await createNode(FAST)
  const nodes = [first]
  t.teardown(async () => { await Promise.all(nodes.map(async x => { await x.stop().catch(() => {}) })) })
  for (let i = 1; i < n; i++) nodes.push(await createNode({ ...FAST, bootstrap: [first.multiaddrs[0]] }))
  return nodes
}

/** Whether `node` sees `peer` alive and subscribed to `event` in `group`, by its record. */
function sees (node: PeercallNode, peer: string, event: string, group: string): boolean {
  const m = node.members().find(x => x.peerId === peer)
  return m?.state === 'alive' && (m.meta[`ev:${event}`]?.split(',').includes(group) ?? false)
}


/** Counts deliveries per emit id, per peer. */
class Deliveries {
  readonly byId = new Map<string, string[]>()
  readonly byPeer = new Map<string, number>()
  record (peer: string, ctx: EventContext): void {
    this.byId.set(ctx.id, [...(this.byId.get(ctx.id) ?? []), peer])
    this.byPeer.set(peer, (this.byPeer.get(peer) ?? 0) + 1)
  }
}

test('one peer: local subscribers take emits; the context; errors; $events stays out of services()', async t => {
  t.timeout(30_000)
  const [a] = await cluster(1, t)
  const seen: Array<[unknown, EventContext]> = []
  const off = a.subscribe('order.created', (payload, ctx) => { seen.push([payload, ctx]) }, { group: 'billing' })
  t.deepEqual(a.services(), [])
  const r = await a.emit('order.created', { id: 7 }, { meta: { 'trace-id': 'x' } })
  t.deepEqual(r.delivered, [{ group: 'billing', peer: a.peerId }])
  t.is(seen.length, 1)
  t.deepEqual(seen[0][0], { id: 7 })
  const ctx = seen[0][1]
  t.like(ctx, { id: r.id, event: 'order.created', group: 'billing', peer: a.peerId, broadcast: false })
  t.is(ctx.meta['trace-id'], 'x')

  // the default group is the event's name
  a.subscribe('cache.clear', () => {})
  t.deepEqual((await a.emit('cache.clear')).delivered, [{ group: 'cache.clear', peer: a.peerId }])

  // an event nobody subscribes to: resolves with no delivery
  t.deepEqual((await a.emit('nobody.listens', 1)).delivered, [])
  // a named group nobody subscribes in: the clear error
  const none = await rejection(a.emit('order.created', 1, { groups: ['mail'] }))
  t.is(none.code, 'UNAVAILABLE')
  t.regex(none.message, /order\.created.*group mail/)

  // a handler that throws: the emitter gets it, as a call's REMOTE error
  a.subscribe('boom', () => { throw new RangeError('bad order') }, { group: 'g' })
  const boom = await rejection(a.emit('boom', 1))
  t.is(boom.code, 'REMOTE')
  t.is(boom.name, 'RangeError')

  // a subscription's authorize refuses
  a.subscribe('guarded', () => { t.fail('must not run') }, { authorize: () => false })
  t.is((await rejection(a.emit('guarded', 1))).code, 'PERMISSION_DENIED')

  // bad input is refused at the emitter
  t.is((await rejection(a.emit('', 1))).code, 'INVALID_ARGUMENT')
  t.throws(() => a.subscribe('e', () => {}, { group: 'a,b' }), { instanceOf: TypeError })

  off()
  off()
  t.is((await rejection(a.emit('order.created', 2, { groups: ['billing'] }))).code, 'UNAVAILABLE')
  t.deepEqual((await a.emit('order.created', 2)).delivered, [])
  t.is(seen.length, 1)
})

test('deliveries are calls: interceptors and observers see $events', async t => {
  t.timeout(30_000)
  const [a] = await cluster(1, t)
  const incoming: string[] = []
  const outgoing: string[] = []
  a.intercept({
    outgoing: async (call, next) => { outgoing.push(`${call.service}.${call.method}`); return await next(call) },
    incoming: async (call, next) => {
      incoming.push(`${call.service}.${call.method}`)
      if (call.args[2] === 'refuse') throw new RpcError('PERMISSION_DENIED', 'refused by an interceptor')
      return await next(call)
    }
  })
  let runs = 0
  a.subscribe('e', () => { runs++ })
  await a.emit('e', 'ok')
  await a.broadcast('e', 'ok')
  t.deepEqual(outgoing, ['$events.emit', '$events.broadcast'])
  t.deepEqual(incoming, ['$events.emit', '$events.broadcast'])
  t.is(runs, 2)
  t.is((await rejection(a.emit('e', 'refuse'))).code, 'PERMISSION_DENIED')
  t.is(runs, 2)
})

test('20 emits over a group of two subscribing peers: each delivered exactly once, spread over both; every group gets each', async t => {
  t.timeout(90_000)
  const [a, b, c] = await cluster(3, t)
  const billing = new Deliveries()
  const mail = new Deliveries()
  for (const n of [b, c]) {
    n.subscribe('order.created', async (_p, ctx) => {
      billing.record(n.peerId, ctx)
      await new Promise(resolve => setTimeout(resolve, 20))
    }, { group: 'billing' })
  }
  c.subscribe('order.created', (_p, ctx) => { mail.record(c.peerId, ctx) }, { group: 'mail' })
  await waitFor(() => sees(a, b.peerId, 'order.created', 'billing') && sees(a, c.peerId, 'order.created', 'billing') && sees(a, c.peerId, 'order.created', 'mail'), 20_000, 'subscriptions in the records')
  const results = await Promise.all(Array.from({ length: 20 }, async (_, i) => await a.emit('order.created', { order: i })))
  t.is(billing.byId.size, 20)
  for (const r of results) {
    t.deepEqual(billing.byId.get(r.id)?.length, 1)
    t.deepEqual(mail.byId.get(r.id), [c.peerId])
    const toBilling = r.delivered.find(d => d.group === 'billing')
    t.deepEqual(billing.byId.get(r.id), [toBilling?.peer])
  }
  t.true((billing.byPeer.get(b.peerId) ?? 0) > 0 && (billing.byPeer.get(c.peerId) ?? 0) > 0, `spread: ${[...billing.byPeer.values()].join(', ')}`)
  t.log(`billing spread over the two peers: ${billing.byPeer.get(b.peerId) ?? 0} / ${billing.byPeer.get(c.peerId) ?? 0}`)
})

test('a broadcast reaches every subscriber on every peer, once per peer', async t => {
  t.timeout(90_000)
  const nodes = await cluster(3, t)
  const [a, b, c] = nodes
  const runs: string[] = []
  a.subscribe('cache.clear', () => { runs.push(`a`) })
  b.subscribe('cache.clear', () => { runs.push(`b1`) }, { group: 'x' })
  b.subscribe('cache.clear', () => { runs.push(`b2`) }, { group: 'y' })
  c.subscribe('cache.clear', (_p, ctx) => { runs.push(`c:${String(ctx.broadcast)}`) })
  await waitFor(() => sees(a, b.peerId, 'cache.clear', 'x') && sees(a, c.peerId, 'cache.clear', 'cache.clear'), 20_000, 'subscriptions in the records')
  const r = await a.broadcast('cache.clear', {})
  t.deepEqual(r.delivered.sort(), nodes.map(n => n.peerId).sort())
  t.deepEqual(r.failed, [])
  t.deepEqual(runs.sort(), ['a', 'b1', 'b2', 'c:true'])
  t.deepEqual((await a.broadcast('nobody.listens')).delivered, [])
})

test('a subscriber dying: emits fail over to the other; with none alive, a clear UNAVAILABLE', async t => {
  t.timeout(120_000)
  const [a, b, c] = await cluster(3, t)
  const billing = new Deliveries()
  const held: Array<() => void> = []
  b.subscribe('order.created', async (p, ctx) => {
    billing.record(b.peerId, ctx)
    // deliveries marked `hold` hang here until b dies: b dies before acknowledging them
    if ((p as { hold?: boolean }).hold === true) await new Promise<void>(resolve => { held.push(resolve) })
  }, { group: 'billing' })
  c.subscribe('order.created', (_p, ctx) => { billing.record(c.peerId, ctx) }, { group: 'billing' })
  await waitFor(() => sees(a, b.peerId, 'order.created', 'billing') && sees(a, c.peerId, 'order.created', 'billing'), 20_000, 'subscriptions in the records')

  // emits that b holds until it dies: each fails over to c
  const pending = Array.from({ length: 10 }, async (_, i) => await a.emit('order.created', { hold: true, i }, { groups: ['billing'] }))
  await waitFor(() => held.length > 0, 20_000, 'b holding a delivery')
  // abrupt death: libp2p stops without the graceful leave (no record withdrawal, no leave announcement)
  await (b as Node).libp2p.stop()
  for (const release of held) release()
  // and 20 more, while a still believes b alive
  const more = Array.from({ length: 20 }, async (_, i) => await a.emit('order.created', { i }, { groups: ['billing'] }))
  const results = await Promise.all([...pending, ...more])
  for (const r of results) {
    t.is(r.delivered.length, 1)
    const peers = billing.byId.get(r.id) ?? []
    // delivered to c; b may have run it too before it died (at-least-once), never c twice
    t.is(peers.filter(p => p === c.peerId).length, r.delivered[0].peer === c.peerId ? 1 : 0)
    if (r.delivered[0].peer === b.peerId) t.fail('b is dead: it cannot have acknowledged after its death')
  }
  t.true(results.some(r => (billing.byId.get(r.id) ?? []).includes(b.peerId)), 'the held delivery was failed over')

  // now c dies too: the group has no live subscriber
  await (c as Node).libp2p.stop()
  const err = await rejection(a.emit('order.created', { late: true }, { timeoutMs: 10_000 }))
  t.is(err.code, 'UNAVAILABLE')
  t.regex(err.message, /event order\.created: no live subscriber of group billing/)
  // and still once membership has declared both dead (their records kept as tombstones)
  await waitFor(() => [b, c].every(x => a.members().find(m => m.peerId === x.peerId)?.state === 'dead'), 30_000, 'b and c dead')
  const dead = await rejection(a.emit('order.created', {}))
  t.is(dead.code, 'UNAVAILABLE')
  t.regex(dead.message, /are dead/)
  t.false(dead.mayHaveExecuted)
})

test('unsubscribe stops delivery and withdraws the subscription from the record', async t => {
  t.timeout(90_000)
  const [a, b, c] = await cluster(3, t)
  const got = new Deliveries()
  b.subscribe('order.created', (_p, ctx) => { got.record(b.peerId, ctx) }, { group: 'billing' })
  const off = c.subscribe('order.created', (_p, ctx) => { got.record(c.peerId, ctx) }, { group: 'billing' })
  await waitFor(() => sees(a, b.peerId, 'order.created', 'billing') && sees(a, c.peerId, 'order.created', 'billing'), 20_000, 'subscriptions in the records')
  off()
  await waitFor(() => a.members().find(m => m.peerId === c.peerId)?.meta['ev:order.created'] === undefined, 20_000, 'c withdrew its subscription')
  t.true(sees(a, c.peerId, 'order.created', 'billing') === false)
  for (let i = 0; i < 10; i++) t.deepEqual((await a.emit('order.created', i)).delivered, [{ group: 'billing', peer: b.peerId }])
  t.is(got.byPeer.get(c.peerId) ?? 0, 0)
  t.is(got.byPeer.get(b.peerId), 10)
})

test('a repeated delivery (same delivery id) runs the handler once on a live receiver; broadcasts carry no id to repeat', async t => {
  t.timeout(60_000)
  const [a, b] = await cluster(2, t)
  const ids: string[] = []
  b.subscribe('order.created', (_p, ctx) => { ids.push(ctx.id) }, { group: 'billing' })
  // what a failover or a retry to the same peer sends: the same call id, twice
  const deliver = async (callId: string): Promise<unknown> => await a.call('$events', 'emit', ['order.created', 'billing', { n: 1 }, 'emit-1'], { peer: b.multiaddrs[0], callId })
  await deliver('emit-1/billing')
  await deliver('emit-1/billing')
  t.deepEqual(ids, ['emit-1'])
  await deliver('emit-2/billing')
  t.deepEqual(ids, ['emit-1', 'emit-1'])
  t.is(b.stats().dedupHits, 1)
  // a peer without a subscriber in the group answers NOT_FOUND, retryable: the emitter fails over
  const err = await rejection(a.call('$events', 'emit', ['order.created', 'mail', {}, 'emit-3'], { peer: b.multiaddrs[0] }))
  t.is(err.code, 'NOT_FOUND')
  t.true(err.retryable)
  t.false(err.mayHaveExecuted)
})

test('patterns: a subscriber of order.* on another peer takes order.created by emit and broadcast; a pattern cannot be emitted', async t => {
  t.timeout(60_000)
  const [a, b, c] = await cluster(3, t)
  const got: Array<[string, EventContext]> = []
  b.subscribe('order.*', (_p, ctx) => { got.push(['b', ctx]) }, { group: 'audit' })
  c.subscribe('**', (_p, ctx) => { got.push(['c', ctx]) }, { group: 'log' })
  await waitFor(() => sees(a, b.peerId, 'order.*', 'audit') && sees(a, c.peerId, '**', 'log'), 20_000, 'a sees the patterns')

  const r = await a.emit('order.created', { id: 1 })
  t.deepEqual(r.delivered.sort((x, y) => x.group.localeCompare(y.group)), [{ group: 'audit', peer: b.peerId }, { group: 'log', peer: c.peerId }])
  t.like(got.find(([p]) => p === 'b')?.[1], { event: 'order.created', group: 'audit', peer: a.peerId })

  // one word only for '*': order.line.added reaches '**' and not 'order.*'
  got.length = 0
  t.deepEqual((await a.emit('order.line.added', 2)).delivered, [{ group: 'log', peer: c.peerId }])
  t.deepEqual(got.map(([p, ctx]) => [p, ctx.event]), [['c', 'order.line.added']])

  got.length = 0
  const bc = await a.broadcast('order.shipped', 3)
  t.deepEqual(bc.delivered.sort(), [b.peerId, c.peerId].sort())
  t.deepEqual(got.map(([p, ctx]) => [p, ctx.event, ctx.broadcast]).sort(), [['b', 'order.shipped', true], ['c', 'order.shipped', true]])

  const bad = await rejection(a.emit('order.*', 1))
  t.is((bad as RpcError).code, 'INVALID_ARGUMENT')
  t.regex((bad as Error).message, /must not contain "\*"/)
  t.is(((await rejection(a.broadcast('**', 1))) as RpcError).code, 'INVALID_ARGUMENT')
})
