/**
 * waitForServices: over a fake member source (events, timeout, cancel, what counts as live), then on real peers
 * on loopback (a client started before the server, which then registers and joins).
 */
import test from 'ava'
import { createNode } from '../../src/index.js'
import { missingServices, waitForServices, WAIT_RECHECK_MS } from '../../src/client/wait.js'
import type { PeercallNode } from '../../src/index.js'
import { rejection } from '../helpers/rejection.js'

interface FakeMember { state: string, services: string[] }

class FakeSource extends EventTarget {
  list: FakeMember[] = []
  listeners = 0
  members (): FakeMember[] { return this.list }
  override addEventListener (type: string, fn: () => void): void { this.listeners++; super.addEventListener(type, fn) }
  override removeEventListener (type: string, fn: () => void): void { this.listeners--; super.removeEventListener(type, fn) }
  set (list: FakeMember[], event = 'member:join'): void { this.list = list; this.dispatchEvent(new Event(event)) }
}


test('missingServices counts only alive members, self included', t => {
  const members = [
    { state: 'alive', services: ['A'] },
    { state: 'suspect', services: ['B'] },
    { state: 'dead', services: ['C'] },
    { state: 'left', services: ['D'] }
  ]
  t.deepEqual(missingServices(members, ['A', 'B', 'C', 'D', 'E']), ['B', 'C', 'D', 'E'])
  t.deepEqual(missingServices(members, []), [])
  const three = [{ state: 'alive', services: ['A', 'B'] }, { state: 'alive', services: ['A'] }, { state: 'suspect', services: ['A', 'B'] }]
  t.deepEqual(missingServices(three, ['A', 'B'], 2), ['B'])
  t.deepEqual(missingServices(three, ['A', 'B'], 3), ['A', 'B'])
})

test('hosts: waits for that many live hosts and says so when they do not come', async t => {
  const src = new FakeSource()
  const p = waitForServices(src, 'A', { timeoutMs: 10_000, hosts: 2 })
  src.set([{ state: 'alive', services: ['A'] }])
  src.set([{ state: 'alive', services: ['A'] }, { state: 'alive', services: ['A'] }])
  await p
  const err = await rejection(waitForServices(src, 'A', { timeoutMs: 50, hosts: 3 }))
  t.regex(err.message, /fewer than 3 live peers host A after waiting 50 ms/)
  t.is((await rejection(waitForServices(src, 'A', { hosts: 0 }))).code, 'INVALID_ARGUMENT')
})

test('resolves at once when every service is hosted already', async t => {
  const src = new FakeSource()
  src.list = [{ state: 'alive', services: ['A', 'B'] }]
  await waitForServices(src, ['A', 'B'], { timeoutMs: 1 })
  t.is(src.listeners, 0)
})

test('resolves on the member event that completes the set, long before the re-check period', async t => {
  const src = new FakeSource()
  const start = performance.now()
  const p = waitForServices(src, ['A', 'B'], { timeoutMs: 10_000 })
  let settled = false
  void p.then(() => { settled = true })
  src.set([{ state: 'alive', services: ['A'] }])
  await new Promise(resolve => setImmediate(resolve))
  t.false(settled, 'B is still missing')
  setTimeout(() => { src.set([{ state: 'alive', services: ['A'] }, { state: 'alive', services: ['B'] }], 'member:update') }, 20)
  await p
  t.true(performance.now() - start < WAIT_RECHECK_MS, 'woken by the event, not by the re-check')
  t.is(src.listeners, 0, 'listeners removed')
})

test('a change with no event is seen by the slow re-check', async t => {
  const src = new FakeSource()
  const p = waitForServices(src, 'A', { timeoutMs: 10_000 })
  src.list = [{ state: 'alive', services: ['A'] }]
  await p
  t.pass()
})

test('rejects UNAVAILABLE naming the missing services after timeoutMs', async t => {
  const src = new FakeSource()
  src.list = [{ state: 'alive', services: ['A'] }, { state: 'suspect', services: ['B'] }]
  const start = performance.now()
  const err = await rejection(waitForServices(src, ['A', 'B', 'C'], { timeoutMs: 150 }))
  const took = performance.now() - start
  t.is(err.code, 'UNAVAILABLE')
  t.regex(err.message, /no live peer hosts B, C after waiting 150 ms/)
  t.false(err.mayHaveExecuted)
  t.true(took >= 140 && took < 2000, `took ${took} ms`)
  t.is(src.listeners, 0)
})

test('a signal cancels the wait; a bad timeout is refused', async t => {
  const src = new FakeSource()
  const ac = new AbortController()
  const p = waitForServices(src, ['A'], { timeoutMs: 0, signal: ac.signal })
  ac.abort()
  t.is((await rejection(p)).code, 'CANCELLED')
  t.is(src.listeners, 0)
  t.is((await rejection(waitForServices(src, ['A'], { timeoutMs: -1 }))).code, 'INVALID_ARGUMENT')
})

test('real peers: a client waits for a server that starts later, then calls it', async t => {
  t.timeout(40_000)
  const nodes: PeercallNode[] = []
  t.teardown(async () => { await Promise.all(nodes.map(async n => { await n.stop() })) })
  const client = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], membership: { profile: 'fast' } })
  nodes.push(client)
  t.is((await rejection(client.waitForServices(['Calculator'], { timeoutMs: 200 }))).code, 'UNAVAILABLE')
  const waiting = client.waitForServices(['Calculator'], { timeoutMs: 30_000 })
  const server = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [client.multiaddrs[0]], membership: { profile: 'fast' } })
  nodes.push(server)
  server.register('Calculator', { add: (a: number, b: number) => a + b })
  await waiting
  t.is(await client.call('Calculator', 'add', [1, 2]), 3)
  client.register('Local', { ping: () => 'pong' })
  await client.waitForServices('Local', { timeoutMs: 5000 })
  t.pass()
})
