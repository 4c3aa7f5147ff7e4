/**
 * The interop suite: gRPC's interop cases that apply to unary calls and metadata
 * (grpc/grpc doc/interop-test-descriptions.md), and peercall's own protocol 2 cases (per-call isolation, flow
 * control, deadlines of any length and their propagation, interceptors), on real peers on 127.0.0.1.
 */
import test from 'ava'
import { callContext, RpcError } from '@peercall/core'
import { hosted, peers, rejection } from './helpers/peers.js'
import { waitFor } from './helpers/wait.js'
import type { PeercallNode } from '@peercall/core'

const DAY_MS = 24 * 60 * 60 * 1000

function serveTest (node: PeercallNode, counters: { started: number, aborted: number } = { started: 0, aborted: 0 }): void {
  node.register('Test', {
    empty: () => ({}),
    unary: (size: number, payload: Uint8Array) => ({ payload: new Uint8Array(size), got: payload.byteLength }),
    echo: (b: unknown) => b,
    async sleep (ms: number) {
      counters.started++
      const signal = callContext()!.signal
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, ms)
        signal.addEventListener('abort', () => { counters.aborted++; clearTimeout(timer); reject(signal.reason) }, { once: true })
      })
      return ms
    },
    meta () {
      const c = callContext()!
      c.setTrailer('x-grpc-test-echo-trailing-bin', c.meta['x-grpc-test-echo-trailing-bin'] ?? '')
      return { initial: c.meta['x-grpc-test-echo-initial'], deadline: c.deadline }
    },
    status (code: string, message: string) { throw new RpcError(code as 'INTERNAL', message) }
  }, { idempotent: ['empty', 'unary', 'echo', 'sleep', 'meta'] })
}

test('empty_unary: an empty request and an empty answer', async t => {
  const [a, b] = await peers(t, 2)
  serveTest(b)
  t.deepEqual(await a.call('Test', 'empty', [], { peer: b.peerId }), {})
})

test('large_unary: 271,828 bytes in, 314,159 bytes out', async t => {
  const [a, b] = await peers(t, 2)
  serveTest(b)
  const out = await a.call<{ payload: Uint8Array, got: number }>('Test', 'unary', [314_159, new Uint8Array(271_828)], { peer: b.peerId })
  t.is(out.got, 271_828)
  t.is(out.payload.byteLength, 314_159)
})

test('concurrent_large_unary: 64 x 1 MiB echoes and 200 x 271,828 B all succeed (flow control, not OVERLOADED)', async t => {
  t.timeout(60_000)
  const [a, b] = await peers(t, 2)
  serveTest(b)
  const mib = new Uint8Array(1024 * 1024).fill(7)
  const big = await Promise.all(Array.from({ length: 64 }, async () => await a.call<Uint8Array>('Test', 'echo', [mib], { peer: b.peerId, timeoutMs: 50_000 })))
  t.true(big.every(x => x.byteLength === mib.byteLength && x[0] === 7))
  const mid = new Uint8Array(271_828)
  const many = await Promise.all(Array.from({ length: 200 }, async () => await a.call<Uint8Array>('Test', 'echo', [mid], { peer: b.peerId, timeoutMs: 50_000 })))
  t.true(many.every(x => x.byteLength === 271_828))
  // and routed (the same through the router's attempts)
  await hosted(a, 'Test')
  const routed = await Promise.all(Array.from({ length: 64 }, async () => await a.call<Uint8Array>('Test', 'echo', [mib], { timeoutMs: 50_000 })))
  t.is(routed.length, 64)
})

test('cancel_after_begin: aborting the signal cancels the call here and aborts the remote handler', async t => {
  const [a, b] = await peers(t, 2)
  const counters = { started: 0, aborted: 0 }
  serveTest(b, counters)
  const ac = new AbortController()
  const p = a.call('Test', 'sleep', [30_000], { peer: b.peerId, signal: ac.signal })
  await waitFor(() => counters.started === 1, 5000, 'handler start')
  ac.abort()
  const err = await rejection(p)
  t.is(err.code, 'CANCELLED')
  await waitFor(() => counters.aborted === 1, 5000, 'remote abort')
})

test('timeout_on_sleeping_server: DEADLINE_EXCEEDED, pinned and routed', async t => {
  const [a, b] = await peers(t, 2)
  serveTest(b)
  const pinned = await rejection(a.call('Test', 'sleep', [5000], { peer: b.peerId, timeoutMs: 50 }))
  t.is(pinned.code, 'DEADLINE_EXCEEDED')
  await hosted(a, 'Test')
  const start = Date.now()
  const routed = await rejection(a.call('Test', 'sleep', [5000], { timeoutMs: 200 }))
  t.is(routed.code, 'DEADLINE_EXCEEDED')
  t.true(Date.now() - start < 2000)
})

test('custom_metadata: headers reach the handler, trailers reach onTrailers before the call settles', async t => {
  const [a, b] = await peers(t, 2)
  serveTest(b)
  let trailers: Record<string, string> | undefined
  let settled = false
  const p = a.call<{ initial: string }>('Test', 'meta', [], {
    peer: b.peerId,
    meta: { 'x-grpc-test-echo-initial': 'test_initial_metadata_value', 'x-grpc-test-echo-trailing-bin': 'ababab' },
    onTrailers: tr => { t.false(settled); trailers = { ...tr } }
  })
  const out = await p
  settled = true
  t.is(out.initial, 'test_initial_metadata_value')
  t.deepEqual(trailers, { 'x-grpc-test-echo-trailing-bin': 'ababab' })
  // the same on a local call
  serveTest(a)
  let local: Record<string, string> | undefined
  await a.call('Test', 'meta', [], { peer: a.peerId, meta: { 'x-grpc-test-echo-trailing-bin': 'l' }, onTrailers: tr => { local = { ...tr } } })
  t.deepEqual(local, { 'x-grpc-test-echo-trailing-bin': 'l' })
})

test('metadata past its bounds is INVALID_ARGUMENT at the caller, nothing sent', async t => {
  const [a, b] = await peers(t, 2)
  serveTest(b)
  const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']))
  t.is((await rejection(a.call('Test', 'meta', [], { peer: b.peerId, meta: many }))).code, 'INVALID_ARGUMENT')
  t.is((await rejection(a.call('Test', 'meta', [], { peer: b.peerId, meta: { big: 'x'.repeat(9000) } }))).code, 'INVALID_ARGUMENT')
  t.is((await rejection(a.call('Test', 'meta', [], { peer: b.peerId, meta: { n: 5 as unknown as string } }))).code, 'INVALID_ARGUMENT')
  t.is(b.stats().served, 0)
})

test('status_code_and_message and special_status_message: code and message cross unchanged', async t => {
  const [a, b] = await peers(t, 2)
  serveTest(b)
  const err = await rejection(a.call('Test', 'status', ['INVALID_ARGUMENT', 'test status message'], { peer: b.peerId }))
  t.is(err.code, 'INVALID_ARGUMENT')
  t.is(err.message, 'test status message')
  const special = '\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n'
  const err2 = await rejection(a.call('Test', 'status', ['UNAVAILABLE', special], { peer: b.peerId }))
  t.is(err2.code, 'UNAVAILABLE')
  t.is(err2.message, special)
})

test('unimplemented_method and unimplemented_service: NOT_FOUND, and the connection keeps serving', async t => {
  const [a, b] = await peers(t, 2)
  serveTest(b)
  const m = await rejection(a.call('Test', 'unimplemented_call', [], { peer: b.peerId }))
  t.is(m.code, 'NOT_FOUND')
  const s = await rejection(a.call('grpc.testing.UnimplementedService', 'unimplemented_call', [], { peer: b.peerId }))
  t.is(s.code, 'NOT_FOUND')
  t.deepEqual(await a.call('Test', 'empty', [], { peer: b.peerId }), {})
})

test('regression: a malformed call fails alone at the caller; a call in flight on the same connection is untouched', async t => {
  const [a, b] = await peers(t, 2)
  serveTest(b)
  const slow = a.call('Test', 'sleep', [300], { peer: b.peerId })
  const bad: Array<[unknown, unknown, unknown, Record<string, unknown>]> = [
    [42, 'x', [], {}],
    ['Test', 7, [], {}],
    ['Test', 'echo', 'not-an-array', {}],
    ['Test', 'echo', [], { timeoutMs: -1 }],
    ['Test', 'echo', [], { timeoutMs: Number.NaN }],
    ['', 'echo', [], {}],
    ['Test', 'echo', [], { balance: 'bogus' }]
  ]
  for (const [s, m, args, opts] of bad) {
    for (const pin of [{ peer: b.peerId }, {}]) {
      const err = await rejection(a.call(s as string, m as string, args as unknown[], { ...opts, ...pin }))
      t.is(err.code, 'INVALID_ARGUMENT', `${String(s)}.${String(m)} ${JSON.stringify(opts)} ${JSON.stringify(pin)}: ${err.message}`)
      t.false(err.mayHaveExecuted)
    }
  }
  t.is(await slow, 300)
})

test('regression: long deadlines (2^31 ms, 30 days, Infinity) and 0 mean what they say, pinned and routed', async t => {
  const [a, b] = await peers(t, 2)
  serveTest(b)
  await hosted(a, 'Test')
  const warnings: string[] = []
  const onWarning = (w: Error): void => { warnings.push(w.name) }
  process.on('warning', onWarning)
  t.teardown(() => { process.off('warning', onWarning) })
  for (const timeoutMs of [2 ** 31, 2 ** 31 + 5, 30 * DAY_MS, Infinity, 0]) {
    for (const pin of [{ peer: b.peerId }, {}]) {
      t.is(await a.call('Test', 'sleep', [20], { timeoutMs, ...pin }), 20, `timeoutMs ${timeoutMs} ${JSON.stringify(pin)}`)
      const seen = await a.call<{ deadline: number | undefined }>('Test', 'meta', [], { timeoutMs, ...pin })
      if (timeoutMs === 0 || timeoutMs === Infinity) t.is(seen.deadline, undefined)
      // a routed idempotent call gives each attempt an equal share of what is left (three attempts by default)
      else t.true((seen.deadline as number) > Date.now() + (pin.peer === undefined ? timeoutMs / 3 : timeoutMs) - 60_000, `deadline ${String(seen.deadline)}`)
    }
  }
  t.false(warnings.includes('TimeoutOverflowWarning'))
})

test('10,000 calls with a 30-day deadline complete normally', async t => {
  t.timeout(60_000)
  const [a, b] = await peers(t, 2)
  serveTest(b)
  let done = 0
  const worker = async (): Promise<void> => {
    while (done < 10_000) {
      done++
      await a.call('Test', 'echo', [done], { peer: b.peerId, timeoutMs: 30 * DAY_MS })
    }
  }
  await Promise.all(Array.from({ length: 64 }, worker))
  t.true(done >= 10_000)
})

test('interceptors: outermost first on both sides; they add metadata, change args, observe, and can short-circuit', async t => {
  const [a, b] = await peers(t, 2)
  serveTest(b)
  const order: string[] = []
  const offA1 = a.intercept({ outgoing: async (call, next) => { order.push('out1'); return await next({ ...call, meta: { ...call.meta, tenant: 't1' } }) } })
  const offA2 = a.intercept({
    outgoing: async (call, next) => {
      order.push('out2')
      if (call.method === 'cached') return 'from-cache'
      return await next(call.method === 'echo' ? { ...call, args: ['changed'] } : call)
    }
  })
  b.intercept({ incoming: async (call, next) => { order.push(`in1:${call.meta.tenant}`); return await next(call) } })
  b.intercept({
    incoming: async (call, next) => {
      order.push('in2')
      if (call.method === 'forbidden') throw new RpcError('PERMISSION_DENIED', 'no', { mayHaveExecuted: false })
      const out = await next({ ...call, meta: { ...call.meta, added: 'yes' } })
      return out
    }
  })
  b.register('I', { forbidden: () => 'ran', seen: () => callContext()!.meta.added })
  t.is(await a.call('Test', 'echo', ['original'], { peer: b.peerId }), 'changed')
  t.deepEqual(order, ['out1', 'out2', 'in1:t1', 'in2'])
  t.is(await a.call('I', 'seen', [], { peer: b.peerId }), 'yes')
  order.length = 0
  t.is(await a.call('Test', 'cached', [], { peer: b.peerId }), 'from-cache')
  t.deepEqual(order, ['out1', 'out2'])
  const denied = await rejection(a.call('I', 'forbidden', [], { peer: b.peerId }))
  t.is(denied.code, 'PERMISSION_DENIED')
  offA1()
  offA2()
  order.length = 0
  t.is(await a.call('Test', 'echo', ['x'], { peer: b.peerId }), 'x')
  t.deepEqual(order, ['in1:undefined', 'in2'])
})

test('propagation: a call made in a handler inherits the deadline and is cancelled with it, across three peers', async t => {
  t.timeout(30_000)
  const [a, b, c] = await peers(t, 3)
  let innerDeadline: number | undefined
  let leafStartedAt = 0
  let innerAborted: unknown
  c.register('Leaf', {
    async wait () {
      const ctx = callContext()!
      innerDeadline = ctx.deadline
      leafStartedAt = Date.now()
      await new Promise<void>(resolve => ctx.signal.addEventListener('abort', () => { innerAborted = ctx.signal.reason; resolve() }, { once: true }))
    }
  })
  b.register('Mid', { relay: async () => await b.call('Leaf', 'wait', [], { peer: c.peerId }) })
  const before = Date.now()
  const p0 = a.call('Mid', 'relay', [], { peer: b.peerId, timeoutMs: 3000 })
  await waitFor(() => innerDeadline !== undefined, 3000, 'the leaf handler started')
  // each hop counts the time left from its own receipt, so the leaf's deadline is the outer one plus at most the
  // time the call took to reach it (far below the 30 s a call made without a deadline would get)
  t.true((innerDeadline as number) <= before + 3000 + (leafStartedAt - before), `inner deadline ${String(innerDeadline)}, outer ${before + 3000}, reached the leaf after ${leafStartedAt - before} ms`)
  const err = await rejection(p0)
  t.is(err.code, 'DEADLINE_EXCEEDED')
  await waitFor(() => innerAborted !== undefined, 5000, 'the leaf handler aborted')
  // cancellation propagates too
  innerAborted = undefined
  const ac = new AbortController()
  const p = a.call('Mid', 'relay', [], { peer: b.peerId, signal: ac.signal, timeoutMs: 0 })
  await waitFor(() => c.stats().inflight === 1, 5000, 'leaf running')
  ac.abort()
  t.is((await rejection(p)).code, 'CANCELLED')
  await waitFor(() => innerAborted !== undefined, 5000, 'the leaf handler cancelled')
})

test('callContext() is a read-only view: no abort, controller or timer', async t => {
  const [a] = await peers(t, 1)
  a.register('V', {
    keys () {
      const c = callContext() as unknown as Record<string, unknown>
      return { abort: typeof c.abort, controller: c.controller, timer: c.timer, setTrailer: typeof c.setTrailer, meta: Object.isFrozen(c.meta) }
    }
  })
  t.deepEqual(await a.call('V', 'keys', [], { peer: a.peerId }), { abort: 'undefined', controller: undefined, timer: undefined, setTrailer: 'function', meta: true })
})
