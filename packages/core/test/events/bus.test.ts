/**
 * The event bus over a fake membership and a fake `call`: which peers get deliveries, what a broadcast reports,
 * the record entries it publishes.
 */
import test from 'ava'
import { createBalancer } from '@peercall/balancer'
import { RpcError } from '../../src/errors.js'
import { EventBus } from '../../src/events/bus.js'
import type { CallOptions } from '../../src/types.js'
import type { Member, Membership } from '@peercall/membership'

function member (peerId: string, state: Member['state'], ev: Record<string, string>): Member {
  const meta: Record<string, string> = {}
  for (const [k, v] of Object.entries(ev)) meta[`ev:${k}`] = v
  return { peerId, addrs: [], state, incarnation: 0, services: [], load: { inflight: 0, latencyMs: 1 }, meta } as unknown as Member
}

interface Sent { service: string, method: string, args: unknown[], peer: string, callId: string | undefined }

function bus (members: Member[], answer: (peer: string, method: string) => unknown, allowed?: (id: string) => boolean): { bus: EventBus, sent: Sent[], changes: number[] } {
  const membership = Object.assign(new EventTarget(), { members: () => members }) as unknown as Membership
  const sent: Sent[] = []
  const changes: number[] = []
  const b = new EventBus({
    localId: 'me',
    membership,
    balancer: createBalancer({ seed: 7 }),
    call: async (service: string, method: string, args: unknown[], o: CallOptions) => {
      sent.push({ service, method, args, peer: o.peer as string, callId: o.callId })
      return answer(o.peer as string, method)
    },
    load: () => ({ inflight: 0, latencyMs: 0 }),
    allowed,
    defaultTimeoutMs: 1000,
    changed: () => { changes.push(Date.now()) }
  })
  return { bus: b, sent, changes }
}

test('emit: one delivery per group, each with its own call id and the shared emit id', async t => {
  const { bus: b, sent } = bus([member('a', 'alive', { e: 'billing,mail' }), member('b', 'alive', { e: 'billing' })], () => undefined)
  const r = await b.emit('e', { x: 1 })
  t.deepEqual(r.delivered.map(d => d.group).sort(), ['billing', 'mail'])
  t.is(sent.length, 2)
  for (const s of sent) {
    t.is(s.service, '$events')
    t.is(s.method, 'emit')
    t.is(s.args[3], r.id)
    t.is(s.callId, `${r.id}/${String(s.args[1])}`)
  }
  t.is(r.delivered.find(d => d.group === 'mail')?.peer, 'a')
  // only the groups asked for
  sent.length = 0
  const only = await b.emit('e', 1, { groups: ['mail'] })
  t.deepEqual(only.delivered, [{ group: 'mail', peer: 'a' }])
})

test('emit: peers off the allowlist are never delivered to', async t => {
  const { bus: b, sent } = bus([member('a', 'alive', { e: 'g' }), member('evil', 'alive', { e: 'g' })], () => undefined, id => id !== 'evil')
  for (let i = 0; i < 20; i++) await b.emit('e', i)
  t.true(sent.every(s => s.peer === 'a'))
  const { bus: b2 } = bus([member('evil', 'alive', { e: 'g' })], () => undefined, id => id !== 'evil')
  t.deepEqual((await b2.emit('e', 1)).delivered, [])
})

test('emit: one group failing rejects the emit with that group\'s error', async t => {
  const { bus: b } = bus([member('a', 'alive', { e: 'billing' }), member('d', 'dead', { e: 'mail' })], () => undefined)
  const err = await t.throwsAsync(b.emit('e', 1)) as RpcError
  t.is(err.code, 'UNAVAILABLE')
  t.regex(err.message, /group mail/)
})

test('broadcast: one call per subscribing peer, no retry; failures reported, not thrown', async t => {
  const { bus: b, sent } = bus([
    member('a', 'alive', { e: 'x' }),
    member('b', 'suspect', { e: 'y' }),
    member('c', 'alive', { e: 'z' }),
    member('d', 'dead', { e: 'x' }),
    member('n', 'alive', { other: 'x' })
  ], peer => { if (peer === 'c') throw new RpcError('UNAVAILABLE', 'gone', { peer }) })
  const r = await b.broadcast('e', 'p')
  t.deepEqual(sent.map(s => s.peer).sort(), ['a', 'b', 'c'])
  t.true(sent.every(s => s.method === 'broadcast' && s.callId === undefined && s.args[2] === r.id))
  t.deepEqual(r.delivered.sort(), ['a', 'b'])
  t.is(r.failed.length, 1)
  t.is(r.failed[0].peer, 'c')
  t.is((r.failed[0].error as RpcError).code, 'UNAVAILABLE')
})

test('subscribe publishes the record entries; unsubscribe withdraws them, once', t => {
  const { bus: b, changes } = bus([], () => undefined)
  const off = b.subscribe('order.created', () => {}, { group: 'billing' })
  const off2 = b.subscribe('order.created', () => {})
  t.deepEqual(b.meta(), { 'ev:order.created': 'billing,order.created' })
  t.is(changes.length, 2)
  // a second handler in a known group does not change the record
  const off3 = b.subscribe('order.created', () => {}, { group: 'billing' })
  t.is(changes.length, 2)
  off()
  off()
  t.is(changes.length, 2)
  off3()
  t.is(changes.length, 3)
  t.deepEqual(b.meta(), { 'ev:order.created': 'order.created' })
  off2()
  t.deepEqual(b.meta(), {})
  t.throws(() => b.subscribe('e', () => {}, null as unknown as object), { instanceOf: TypeError })
})

test('bad emits are refused before anything is sent', async t => {
  const { bus: b, sent } = bus([member('a', 'alive', { e: 'g' })], () => undefined)
  for (const [event, opts] of [['', {}], ['e', { timeoutMs: -1 }], ['e', { groups: 'g' }], ['e', { groups: ['a,b'] }], ['e', { attemptTimeoutMs: 0 }]] as const) {
    const err = await t.throwsAsync(b.emit(event, 1, opts as object)) as RpcError
    t.is(err.code, 'INVALID_ARGUMENT')
  }
  t.is((await t.throwsAsync(b.broadcast('', 1)) as RpcError).code, 'INVALID_ARGUMENT')
  t.is(sent.length, 0)
})
