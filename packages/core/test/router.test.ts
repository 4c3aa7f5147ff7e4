/**
 * The router on its own: fake attempts, the real balancer.
 */
import test from 'ava'
import { createBalancer } from '@peercall/balancer'
import { RpcError } from '../src/errors.js'
import { neverSent, routedCall } from '../src/client/router.js'
import type { RouteRequest } from '../src/client/router.js'

function request (over: Partial<RouteRequest> = {}): RouteRequest {
  return {
    service: 'S', method: 'm', args: [], strategy: 'round-robin', key: undefined, idempotent: true, retries: undefined,
    hedgeAfterMs: undefined, attemptTimeoutMs: undefined, deadline: Date.now() + 2000, signal: undefined, ordered: false, callId: 'c1', meta: undefined, onTrailers: undefined,
    ...over
  }
}

const unreachable = (peer: string): RpcError => new RpcError('UNAVAILABLE', `cannot reach ${peer}: dial denied`, { peer, mayHaveExecuted: false, retryable: true })

test('neverSent: only UNAVAILABLE that surely did not run', t => {
  const table: Array<[RpcError, boolean]> = [
    [unreachable('p'), true],
    [new RpcError('UNAVAILABLE', 'connection reset', { mayHaveExecuted: true }), false],
    [new RpcError('DEADLINE_EXCEEDED', 'slow', { mayHaveExecuted: true }), false],
    [new RpcError('OVERLOADED', 'busy', { mayHaveExecuted: false }), false],
    [new RpcError('REMOTE', 'boom'), false]
  ]
  for (const [err, expected] of table) t.is(neverSent(err), expected, err.message)
})

test('unreachable hosts do not use up the attempts: a call reaches the one reachable host of six', async t => {
  const peers = ['a', 'b', 'c', 'd', 'e', 'f']
  for (const good of peers) {
    const tried: string[] = []
    const value = await routedCall({
      balancer: createBalancer(),
      candidates: () => peers.map(peerId => ({ peerId })),
      attempt: async peer => {
        tried.push(peer)
        if (peer !== good) throw unreachable(peer)
        return 42
      }
    }, request())
    t.is(value, 42)
    t.is(new Set(tried).size, tried.length, 'no peer tried twice')
  }
})

test('failures after the request may have run still stop at 1 + retries attempts', async t => {
  const peers = ['a', 'b', 'c', 'd', 'e', 'f']
  const tried: string[] = []
  const err = await routedCall({
    balancer: createBalancer(),
    candidates: () => peers.map(peerId => ({ peerId })),
    attempt: async peer => {
      tried.push(peer)
      throw new RpcError('UNAVAILABLE', 'connection reset', { peer, mayHaveExecuted: true, retryable: true })
    }
  }, request({ retries: 2 })).then(() => undefined, (e: unknown) => e as RpcError)
  t.is(err?.code, 'UNAVAILABLE')
  t.is(tried.length, 3)
})

test('unreachable then reset: unsent attempts are free, the others count', async t => {
  const peers = ['a', 'b', 'c', 'd', 'e', 'f']
  const tried: string[] = []
  const err = await routedCall({
    balancer: createBalancer(),
    candidates: () => peers.map(peerId => ({ peerId })),
    attempt: async peer => {
      tried.push(peer)
      if (tried.length <= 2) throw unreachable(peer)
      throw new RpcError('UNAVAILABLE', 'connection reset', { peer, mayHaveExecuted: true, retryable: true })
    }
  }, request({ retries: 1 })).then(() => undefined, (e: unknown) => e as RpcError)
  t.is(err?.code, 'UNAVAILABLE')
  t.is(tried.length, 4, '2 unsent + 2 counted attempts')
})

test('unsent attempts are not taken from the retry budget: an empty budget still reaches the reachable host', async t => {
  const peers = ['a', 'b', 'c', 'd', 'e', 'f']
  const balancer = createBalancer({ retryBudget: { percent: 0, minPerSecond: 0 } })
  t.false(balancer.retryBudget.tryWithdraw(), 'the budget is empty')
  const value = await routedCall({
    balancer,
    candidates: () => peers.map(peerId => ({ peerId })),
    attempt: async peer => { if (peer !== 'f') throw unreachable(peer); return 7 }
  }, request())
  t.is(value, 7)
  // a failure after sending still needs the budget
  const err = await routedCall({
    balancer,
    candidates: () => peers.map(peerId => ({ peerId })),
    attempt: async peer => { throw new RpcError('UNAVAILABLE', 'connection reset', { peer, mayHaveExecuted: true, retryable: true }) }
  }, request()).then(() => undefined, (e: unknown) => e as RpcError)
  t.is(err?.message, 'connection reset')
})
