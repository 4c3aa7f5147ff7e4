/**
 * Two shapes of one service in a cluster: hosts gossip their methods, a call goes only to hosts that have its
 * method, a call no host can take fails NOT_FOUND naming the shapes, and a NOT_FOUND from a host that gossips no
 * list is retried on another host.
 */
import test from 'ava'
import { createNode, RpcError } from '../../src/index.js'
import { METHODS_META_PREFIX, methodsMeta, missingMethodError, offersMethod } from '../../src/client/methods.js'
import type { PeercallNode } from '../../src/index.js'

test('methodsMeta lists sorted methods and skips private services; offersMethod reads it', t => {
  const meta = methodsMeta([{ name: 'Calculator', methods: ['divide', 'add'] }, { name: 'Secret', methods: ['x'], private: true }])
  t.deepEqual(meta, { [`${METHODS_META_PREFIX}Calculator`]: 'add,divide' })
  t.true(offersMethod(meta, 'Calculator', 'add'))
  t.false(offersMethod(meta, 'Calculator', 'multiply'))
  t.true(offersMethod(meta, 'Secret', 'anything'), 'no list: assumed to have it')
  t.true(offersMethod(undefined, 'Calculator', 'multiply'))
})

test('missingMethodError names the shapes; nothing to say when a host may have it or none hosts the service', t => {
  const host = (methods: string | undefined, state = 'alive'): { state: string, services: string[], meta: Record<string, string> } =>
    ({ state, services: ['Calculator'], meta: methods === undefined ? {} : { 'methods:Calculator': methods } })
  const err = missingMethodError([host('add,divide,echo'), host('add,divide,echo'), host('add,divide,multiply,subtract'), host('nope', 'dead')], 'Calculator', 'pow')
  t.is(err?.code, 'NOT_FOUND')
  t.is(err?.message, 'Calculator.pow: no live peer hosting Calculator has method pow; its hosts offer add, divide, echo (2 peers); add, divide, multiply, subtract (1 peer)')
  t.false(err?.mayHaveExecuted)
  t.is(missingMethodError([host('add'), host(undefined)], 'Calculator', 'pow'), undefined)
  t.is(missingMethodError([], 'Calculator', 'pow'), undefined)
})

async function cluster (n: number, t: { teardown: (fn: () => Promise<void>) => void }): Promise<PeercallNode[]> {
  const first = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], membership: { profile: 'fast' } })
  const nodes = [first]
  t.teardown(async () => { await Promise.all(nodes.map(async x => { await x.stop() })) })
  for (let i = 1; i < n; i++) nodes.push(await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [first.multiaddrs[0]], membership: { profile: 'fast' } }))
  return nodes
}

test('real peers: calls go to the hosts that have the method; a method none has is NOT_FOUND naming both shapes', async t => {
  t.timeout(40_000)
  const [client, small, full] = await cluster(3, t)
  small.register('Calculator', { add: (a: number, b: number) => a + b, divide: (a: number, b: number) => a / b, echo: (x: unknown) => x }, { idempotent: true })
  full.register('Calculator', { add: (a: number, b: number) => a + b, subtract: (a: number, b: number) => a - b, multiply: (a: number, b: number) => a * b, divide: (a: number, b: number) => a / b }, { idempotent: true })
  await client.waitForServices('Calculator', { hosts: 2, timeoutMs: 20_000 })
  for (const balance of ['p2c', 'round-robin', 'hash'] as const) {
    for (let i = 0; i < 30; i++) t.is(await client.call('Calculator', 'multiply', [i, 2], { balance, key: String(i) }), i * 2)
  }
  t.is(client.peerStats(small.peerId).calls, 0, 'no multiply went to the host without it')
  const err = await t.throwsAsync(client.call('Calculator', 'pow', [2, 3]))
  t.true(err instanceof RpcError)
  t.is((err as RpcError).code, 'NOT_FOUND')
  t.regex(err?.message ?? '', /^Calculator\.pow: no live peer hosting Calculator has method pow; its hosts offer (add, divide, echo \(1 peer\); add, divide, multiply, subtract \(1 peer\)|add, divide, multiply, subtract \(1 peer\); add, divide, echo \(1 peer\))$/)
})

test('real peers: a NOT_FOUND method from a host that gossips no list (an authorize hook) is retried on another host', async t => {
  t.timeout(40_000)
  const [client, hidden, full] = await cluster(3, t)
  hidden.register('Calculator', { add: (a: number, b: number) => a + b }, { idempotent: true, authorize: () => true })
  full.register('Calculator', { add: (a: number, b: number) => a + b, multiply: (a: number, b: number) => a * b }, { idempotent: true })
  await client.waitForServices('Calculator', { hosts: 2, timeoutMs: 20_000 })
  t.is(client.members().find(m => m.peerId === hidden.peerId)?.meta['methods:Calculator'], undefined)
  for (let i = 0; i < 20; i++) t.is(await client.call('Calculator', 'multiply', [i, 3], { balance: 'round-robin' }), i * 3)
})
