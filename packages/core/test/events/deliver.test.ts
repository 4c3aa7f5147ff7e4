import test from 'ava'
import { createBalancer } from '@peercall/balancer'
import { RpcError } from '../../src/errors.js'
import { deliverToGroup } from '../../src/events/deliver.js'
import type { GroupSubscribers } from '../../src/events/directory.js'

const group = (peers: string[], dead: string[] = []): GroupSubscribers => ({ group: 'g', candidates: peers.map(peerId => ({ peerId })), dead })
const request = { event: 'e', group: 'g', deadline: undefined, attemptTimeoutMs: undefined, signal: undefined }

test('delivers to one subscriber and reports it', async t => {
  const tried: string[] = []
  const peer = await deliverToGroup({ balancer: createBalancer({ seed: 1 }), subscribers: () => group(['a', 'b']), attempt: async p => { tried.push(p) } }, request)
  t.deepEqual(tried, [peer])
})

test('fails over to another subscriber when one is unreachable or dies before answering', async t => {
  for (const err of [
    new RpcError('UNAVAILABLE', 'connection refused', { mayHaveExecuted: false }),
    new RpcError('UNAVAILABLE', 'connection closed', { mayHaveExecuted: true }),
    new RpcError('DEADLINE_EXCEEDED', 'attempt timed out'),
    new RpcError('NOT_FOUND', 'no longer subscribed', { retryable: true })
  ]) {
    const tried: string[] = []
    const peer = await deliverToGroup({
      balancer: createBalancer({ seed: 2 }),
      subscribers: () => group(['a', 'b', 'c']),
      attempt: async p => { tried.push(p); if (tried.length < 3) throw err }
    }, request)
    t.is(new Set(tried).size, 3, err.message)
    t.is(peer, tried[2])
  }
})

test('a handler failure is the answer: no failover', async t => {
  let attempts = 0
  const err = await t.throwsAsync(deliverToGroup({
    balancer: createBalancer({ seed: 3 }),
    subscribers: () => group(['a', 'b']),
    attempt: async () => { attempts++; throw new RpcError('REMOTE', 'handler threw') }
  }, request))
  t.is(attempts, 1)
  t.is((err as RpcError).code, 'REMOTE')
})

test('no live subscriber: UNAVAILABLE naming the event, the group and why', async t => {
  const none = await t.throwsAsync(deliverToGroup({ balancer: createBalancer(), subscribers: () => group([], ['d1']), attempt: async () => {} }, request)) as RpcError
  t.is(none.code, 'UNAVAILABLE')
  t.regex(none.message, /event e: no live subscriber of group g .*d1 are dead/)
  t.false(none.mayHaveExecuted)
  const all = await t.throwsAsync(deliverToGroup({
    balancer: createBalancer(),
    subscribers: () => group(['a', 'b']),
    attempt: async p => { throw new RpcError('UNAVAILABLE', `${p} gone`, { peer: p, mayHaveExecuted: true }) }
  }, request)) as RpcError
  t.is(all.code, 'UNAVAILABLE')
  t.regex(all.message, /tried (a, b|b, a)/)
  t.true(all.mayHaveExecuted)
  t.deepEqual((all.data as { tried: string[] }).tried.sort(), ['a', 'b'])
})

test('attempts share the deadline among the subscribers not yet tried; a passed deadline stops', async t => {
  const timeouts: Array<number | undefined> = []
  await t.throwsAsync(deliverToGroup({
    balancer: createBalancer(),
    subscribers: () => group(['a', 'b']),
    attempt: async (_p, ms) => { timeouts.push(ms); throw new RpcError('DEADLINE_EXCEEDED', 'slow') }
  }, { ...request, deadline: Date.now() + 10_000 }))
  t.is(timeouts.length, 2)
  t.true((timeouts[0] as number) <= 5000 && (timeouts[0] as number) > 4000)
  t.true((timeouts[1] as number) > 5000)
  const late = await t.throwsAsync(deliverToGroup({ balancer: createBalancer(), subscribers: () => group(['a']), attempt: async () => {} }, { ...request, deadline: Date.now() - 1 })) as RpcError
  t.is(late.code, 'DEADLINE_EXCEEDED')
})

test('the caller cancelling stops the failover', async t => {
  const ac = new AbortController()
  let attempts = 0
  const err = await t.throwsAsync(deliverToGroup({
    balancer: createBalancer(),
    subscribers: () => group(['a', 'b']),
    attempt: async () => { attempts++; ac.abort(); throw new RpcError('CANCELLED', 'cancelled') }
  }, { ...request, signal: ac.signal })) as RpcError
  t.is(err.code, 'CANCELLED')
  t.is(attempts, 1)
})
