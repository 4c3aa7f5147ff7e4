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

/** Fake attempts answering after a per-peer delay (ms); records what started and what was aborted. */
function timedPeers (delays: Record<string, number>): { attempt: (peer: string, r: RouteRequest, ms: number | undefined, signal: AbortSignal | undefined) => Promise<unknown>, started: string[], aborted: string[], finished: string[] } {
  const started: string[] = []
  const aborted: string[] = []
  const finished: string[] = []
  const attempt = async (peer: string, _r: RouteRequest, _ms: number | undefined, signal: AbortSignal | undefined): Promise<unknown> => {
    started.push(peer)
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => { finished.push(peer); resolve(peer) }, delays[peer])
      signal?.addEventListener('abort', () => { clearTimeout(timer); aborted.push(peer); reject(new RpcError('CANCELLED', 'aborted', { peer })) }, { once: true })
    })
  }
  return { attempt, started, aborted, finished }
}

test('a slow peer\'s probe is hedged at once, outside the budget, and runs to its end; its answer is learned', async t => {
  const balancer = createBalancer({ hedging: { budgetPercent: 0 } }) // no budget at all: only a probe may be hedged
  const peers = ['a', 'b', 'c', 'd']
  const candidates = (): Array<{ peerId: string }> => peers.map(peerId => ({ peerId }))
  // teach the balancer: 'a' answers in 80 ms, the others in 2 ms
  for (let i = 0; i < 60; i++) {
    const p = peers[i % 4]
    balancer.onCall(); balancer.onStart(p); balancer.onEnd(p, { latencyMs: p === 'a' ? 80 : 2, ok: true })
  }
  const f = timedPeers({ a: 80, b: 2, c: 2, d: 2 })
  const answers: unknown[] = []
  for (let i = 0; i < 200 && !f.started.includes('a'); i++) {
    answers.push(await routedCall({ balancer, candidates, attempt: f.attempt }, request({ strategy: 'p2c', callId: `c${i}` })))
  }
  t.true(f.started.includes('a'), 'the slow peer was probed')
  t.not(answers.at(-1), 'a', 'the call was answered by the hedge, not the probe')
  t.false(f.aborted.includes('a'), 'the probe was not cancelled')
  const calls = balancer.stats('a').calls
  await new Promise(resolve => setTimeout(resolve, 150))
  t.true(f.finished.includes('a'), 'the probe ran to its end')
  t.is(balancer.stats('a').calls, calls + 1, 'and its end was reported to the balancer')
  t.true(balancer.stats('a').latencyMs >= 70, 'its latency was learned')
})

test('a keyed hash call is not hedged unless hedgeAfterMs is given; a hedge\'s outcome is flagged', async t => {
  const balancer = createBalancer()
  const peers = ['a', 'b', 'c']
  const candidates = (): Array<{ peerId: string }> => peers.map(peerId => ({ peerId }))
  for (let i = 0; i < 60; i++) { const p = peers[i % 3]; balancer.onCall(); balancer.onStart(p); balancer.onEnd(p, { latencyMs: 2, ok: true }) }
  const owner = balancer.successors(candidates(), 'k', 'S', 1)[0]
  const f = timedPeers({ a: 2, b: 2, c: 2, [owner]: 60 })
  const hedges: string[] = []
  const deps = { balancer, candidates, attempt: f.attempt, onHedge: (_r: RouteRequest, p: string) => { hedges.push(p) } }
  t.is(await routedCall(deps, request({ strategy: 'hash', key: 'k' })), owner, 'waits for the owner (the p95 is 2 ms)')
  t.deepEqual(hedges, [])
  const outcomes: Array<{ peer: string, hedge?: boolean }> = []
  const onEnd = balancer.onEnd.bind(balancer)
  balancer.onEnd = (peer, o) => { outcomes.push({ peer, hedge: o.hedge }); onEnd(peer, o) }
  t.not(await routedCall(deps, request({ strategy: 'hash', key: 'k', hedgeAfterMs: 5, callId: 'c2' })), owner, 'hedgeAfterMs: raced')
  t.is(hedges.length, 1)
  t.deepEqual(outcomes.map(o => [o.peer === owner, o.hedge === true]).sort(), [[false, true], [true, false]], 'the hedge flagged, the owner\'s attempt not')
})

test('a call that is neither hedged nor cancellable (answered through its attempts\' promises, chained) behaves as one with a signal', async t => {
  const peers = ['a', 'b', 'c', 'd']
  const candidates = (): Array<{ peerId: string }> => peers.map(peerId => ({ peerId }))
  for (const signal of [undefined, new AbortController().signal]) {
    const label = signal === undefined ? 'chained' : 'with a signal'
    // unreachable hosts are skipped (transparent retries), the reachable one answers; the balancer learns each end
    const balancer = createBalancer()
    const tried: string[] = []
    let failures = 0
    const value = await routedCall({
      balancer,
      candidates,
      attempt: async peer => {
        tried.push(peer)
        if (tried.length < 3) throw unreachable(peer)
        return `from ${peer}`
      }
    }, request({ idempotent: false, callId: undefined, signal, onFail: () => { failures++ } }))
    t.is(value, `from ${tried[2]}`, label)
    t.is(new Set(tried).size, 3, label)
    t.is(failures, 0, label)
    t.is(peers.reduce((n, p) => n + balancer.stats(p).calls, 0), 3, `${label}: every attempt's end reported`)
    // a failure that may have run a non-idempotent call is not retried; onFail is told once
    const remote: string[] = []
    const err = await routedCall({
      balancer: createBalancer(),
      candidates,
      attempt: async peer => { remote.push(peer); throw new RpcError('REMOTE', 'boom', { peer }) }
    }, request({ idempotent: false, callId: undefined, signal, onFail: () => { failures++ } })).then(() => undefined, (e: unknown) => e as RpcError)
    t.is(err?.code, 'REMOTE', label)
    t.is(err?.service, 'S', label)
    t.is(remote.length, 1, label)
    t.is(failures, 1, label)
    // no candidate: UNAVAILABLE, never sent; onFail told once
    const none = await routedCall({ balancer: createBalancer(), candidates: () => [], attempt: async () => 1 },
      request({ idempotent: false, callId: undefined, signal, onFail: () => { failures++ } })).then(() => undefined, (e: unknown) => e as RpcError)
    t.is(none?.code, 'UNAVAILABLE', label)
    t.false(none?.mayHaveExecuted, label)
    t.is(failures, 2, label)
    // every host unreachable: the last failure, after one attempt per host
    const all: string[] = []
    const last = await routedCall({ balancer: createBalancer(), candidates, attempt: async peer => { all.push(peer); throw unreachable(peer) } },
      request({ idempotent: false, callId: undefined, signal })).then(() => undefined, (e: unknown) => e as RpcError)
    t.is(last?.code, 'UNAVAILABLE', label)
    t.is(all.length, peers.length, label)
  }
})

test('the time an attempt spent opening a connection is left out of the latency the balancer learns, chained or not', async t => {
  for (const signal of [undefined, new AbortController().signal]) {
    const balancer = createBalancer()
    // the router's readings are shared by the work queued with it (batch-clock.ts): start after the other
    // tests' set-up, so that the reading is this test's
    await new Promise(resolve => setImmediate(resolve))
    const start = performance.now()
    await routedCall({
      balancer,
      candidates: () => [{ peerId: 'a' }],
      attempt: async (_peer, _r, _ms, _signal, _opts, info) => {
        await new Promise(resolve => setTimeout(resolve, 80))
        info.connectMs += 75 // as a dial of 75 ms would
        return 1
      }
    }, request({ idempotent: false, callId: undefined, signal }))
    const elapsed = performance.now() - start
    const learned = balancer.stats('a').latencyMs
    t.true(learned <= elapsed - 70, `${signal === undefined ? 'chained' : 'with a signal'}: learned ${learned} ms of ${elapsed} ms`)
  }
})
