import { AsyncLocalStorage } from 'node:async_hooks'
import test from 'ava'
import { codec } from '../src/codec.js'
import { callContext } from '../src/server/context.js'
import { RpcError } from '../src/errors.js'
import { encodeFrames } from '../src/wire/framing.js'
import { HybridClock } from '../src/hlc.js'
import { Registry } from '../src/server/registry.js'
import { ServerPipeline } from '../src/server/pipeline.js'
import { FrameDecoder } from '../src/wire/framing.js'
import { Session } from '../src/wire/session.js'
import { memoryPair } from './helpers/memory-stream.js'
import { waitFor } from './helpers/wait.js'
import type { SessionLimits } from '../src/wire/session.js'
import type { MemoryEnd } from './helpers/memory-stream.js'
import { rejection } from './helpers/rejection.js'

const LIMITS: SessionLimits = { maxFrameSize: 1 << 20, maxInflight: 100, maxDepth: 16, maxPendingWriteBytes: 1 << 24 }

interface Pair { client: Session, server: Session, clientEnd: MemoryEnd, serverEnd: MemoryEnd, registry: Registry, closed: Array<Error | undefined> }

function setup (limits: Partial<SessionLimits> = {}): Pair {
  const [clientEnd, serverEnd] = memoryPair()
  const registry = new Registry()
  const { dispatch } = new ServerPipeline({ registry, maxInflightPerPeer: 1000 })
  const closed: Array<Error | undefined> = []
  const client = new Session(clientEnd, { ...LIMITS, ...limits, peer: 'server', clock: new HybridClock(), dispatch, onClose: (_s, e) => closed.push(e) })
  const server = new Session(serverEnd, { ...LIMITS, ...limits, peer: 'client', clock: new HybridClock(), dispatch, onClose: (_s, e) => closed.push(e) })
  return { client, server, clientEnd, serverEnd, registry, closed }
}


test('calls go both ways on one session', async t => {
  const { client, server, registry } = setup()
  registry.register('Calc', { add: (a: number, b: number) => a + b, async slowAdd (a: number, b: number) { await new Promise(resolve => setTimeout(resolve, 5)); return a + b } })
  t.is(await client.request('Calc', 'add', [1, 2]), 3)
  t.is(await client.request('Calc', 'slowAdd', [2, 2]), 4)
  t.is(await server.request('Calc', 'add', [5, 5]), 10)
})

test('requests queued in one synchronous run go out as one chunk', async t => {
  const { client, clientEnd, registry } = setup()
  registry.register('Calc', { add: (a: number, b: number) => a + b })
  const before = clientEnd.written.length
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => client.request('Calc', 'add', [i, 1])))
  t.deepEqual(results, Array.from({ length: 50 }, (_, i) => i + 1))
  t.is(clientEnd.written.length - before, 1)
})

test('a thrown exception arrives as REMOTE with name, message and data', async t => {
  const { client, registry } = setup()
  registry.register('Calc', {
    divide (a: number, b: number) {
      if (b === 0) throw Object.assign(new RangeError('division by zero'), { data: { a } })
      return a / b
    }
  })
  const err = await rejection(client.request('Calc', 'divide', [7, 0]))
  t.is(err.code, 'REMOTE')
  t.is(err.name, 'RangeError')
  t.is(err.message, 'division by zero')
  t.deepEqual(err.data, { a: 7 })
  t.is(err.peer, 'server')
  t.true(err.mayHaveExecuted)
  t.false(err.retryable)
})

test('an RpcError thrown by a handler keeps its code', async t => {
  const { client, registry } = setup()
  registry.register('S', { check () { throw new RpcError('INVALID_ARGUMENT', 'x must be positive') } })
  const err = await rejection(client.request('S', 'check', []))
  t.is(err.code, 'INVALID_ARGUMENT')
  t.is(err.message, 'x must be positive')
})

test('unknown services and methods get NOT_FOUND, and the session keeps serving', async t => {
  const { client, registry } = setup()
  registry.register('S', { a: () => 1 })
  const e1 = await rejection(client.request('Nope', 'a', []))
  t.is(e1.code, 'NOT_FOUND')
  t.false(e1.mayHaveExecuted)
  const e2 = await rejection(client.request('S', 'toString', []))
  t.is(e2.code, 'NOT_FOUND')
  const e3 = await rejection(client.request('S', 'constructor', []))
  t.is(e3.code, 'NOT_FOUND')
  t.is(await client.request('S', 'a', []), 1)
})

test('each call runs in its own context, after awaits too; the stream\'s other stores are seen; nothing leaks out', async t => {
  const other = new AsyncLocalStorage<string>()
  // the server end is made inside another store's context, as a stream accepted inside a traced request would be
  const pair = other.run('made here', () => setup())
  const seen: Array<[string | undefined, string | undefined, string | undefined]> = []
  pair.registry.register('S', {
    async who (n: number) {
      const before = callContext()?.callId
      await new Promise(resolve => setTimeout(resolve, n))
      seen.push([before, callContext()?.callId, other.getStore()])
      return callContext()?.callId
    },
    sync () { return [callContext()?.callId, other.getStore()] }
  })
  const ids = ['a', 'b', 'c', 'd']
  const out = await Promise.all(ids.map((id, i) => pair.client.request('S', 'who', [10 - 2 * i], { opts: { callId: id } })))
  t.deepEqual(out, ids)
  for (const [before, after] of seen) t.is(before, after)
  t.true(seen.every(([, , store]) => store === 'made here'))
  t.deepEqual(await pair.client.request('S', 'sync', [], { opts: { callId: 'e' } }), ['e', 'made here'])
  t.is(callContext(), undefined)
})

test('the handler sees its call context: caller, deadline, timestamp', async t => {
  const { client, registry } = setup()
  registry.register('S', {
    async ctx () {
      await Promise.resolve()
      const c = callContext()
      return { peer: c?.peer, deadline: c?.deadline, wall: c?.timestamp.wall, service: c?.service, method: c?.method }
    }
  })
  const before = Date.now()
  const out = await client.request('S', 'ctx', [], { timeoutMs: 5000 }) as Record<string, number | string>
  t.is(out.peer, 'client')
  t.is(out.service, 'S')
  t.is(out.method, 'ctx')
  t.true((out.deadline as number) >= before + 5000 - 50 && (out.deadline as number) <= Date.now() + 5000)
  t.true((out.wall as number) >= before)
})

test('a deadline rejects with DEADLINE_EXCEEDED and aborts the remote handler', async t => {
  const { client, registry } = setup()
  let aborted: unknown
  registry.register('S', {
    async hang () {
      const signal = callContext()!.signal
      await new Promise<void>(resolve => signal.addEventListener('abort', () => { aborted = signal.reason; resolve() }))
    }
  })
  const start = Date.now()
  const err = await rejection(client.request('S', 'hang', [], { timeoutMs: 100 }))
  t.is(err.code, 'DEADLINE_EXCEEDED')
  t.true(Date.now() - start < 2000)
  await waitFor(() => aborted !== undefined, 2000, 'handler abort')
  t.true(aborted instanceof RpcError)
})

test('cancellation by AbortSignal reaches the remote handler', async t => {
  const { client, server, registry } = setup()
  let reason: RpcError | undefined
  let started = false
  registry.register('S', {
    async wait () {
      started = true
      const signal = callContext()!.signal
      await new Promise<void>(resolve => signal.addEventListener('abort', () => { reason = signal.reason; resolve() }))
    }
  })
  const ac = new AbortController()
  const p = client.request('S', 'wait', [], { signal: ac.signal })
  await waitFor(() => started, 2000, 'handler start')
  ac.abort()
  const err = await rejection(p)
  t.is(err.code, 'CANCELLED')
  t.true(err.mayHaveExecuted)
  await waitFor(() => reason !== undefined, 2000, 'remote abort')
  t.is(reason?.code, 'CANCELLED')
  t.is(server.servingCalls, 0)
})

test('an already aborted signal fails at once without sending', async t => {
  const { client, clientEnd } = setup()
  const before = clientEnd.written.length
  const err = await rejection(client.request('S', 'a', [], { signal: AbortSignal.abort() }))
  t.is(err.code, 'CANCELLED')
  t.false(err.mayHaveExecuted)
  t.is(clientEnd.written.length, before)
})

test('past maxInflight calls from one peer get OVERLOADED, and service resumes as calls finish', async t => {
  const { client, registry } = setup({ maxInflight: 4 })
  let release!: () => void
  const gate = new Promise<void>(resolve => { release = resolve })
  registry.register('S', { async wait () { await gate; return 'ok' } })
  const calls = Array.from({ length: 6 }, async () => await client.request('S', 'wait', []).then(v => v, (e: RpcError) => e.code))
  await new Promise(resolve => setTimeout(resolve, 50))
  release()
  const out = await Promise.all(calls)
  t.is(out.filter(x => x === 'ok').length, 4)
  t.is(out.filter(x => x === 'OVERLOADED').length, 2)
  t.is(await client.request('S', 'wait', []), 'ok')
})

test('garbage bytes: PROTOCOL error frame, the stream is reset, pending calls fail at once', async t => {
  const { client, server, serverEnd, registry } = setup()
  registry.register('S', { async never () { await new Promise(() => {}) } })
  const pending = client.request('S', 'never', [])
  await waitFor(() => server.servingCalls === 1, 2000, 'call served')
  // a frame whose body is not MessagePack
  serverEnd.inject(encodeFrames([Uint8Array.from([0xc1, 0xc1, 0xc1])]))
  await waitFor(() => !server.isOpen, 2000, 'server session closed')
  const err = await rejection(pending)
  t.true(['PROTOCOL', 'UNAVAILABLE'].includes(err.code))
  await waitFor(() => serverEnd.aborted !== undefined, 3000, 'stream reset')
  t.regex(serverEnd.aborted!.message, /protocol violation/)
})

test('an oversized frame length is a PROTOCOL violation', async t => {
  const { server, serverEnd } = setup({ maxFrameSize: 1024 })
  serverEnd.inject(Uint8Array.from([0, 0, 8, 0]))
  await waitFor(() => serverEnd.aborted !== undefined, 3000, 'stream reset')
  t.false(server.isOpen)
  t.regex(serverEnd.aborted!.message, /exceeds the limit of 1024/)
})

test('a request too large for the frame limit fails locally with INVALID_ARGUMENT', async t => {
  const { client, clientEnd } = setup({ maxFrameSize: 1024 })
  const before = clientEnd.written.length
  const err = await rejection(client.request('S', 'a', [new Uint8Array(2048)]))
  t.is(err.code, 'INVALID_ARGUMENT')
  t.false(err.mayHaveExecuted)
  t.true(client.isOpen)
  await new Promise(resolve => setTimeout(resolve, 10))
  t.is(clientEnd.written.length, before)
})

/** Frames the session wrote to its end, decoded. */
function writtenFrames (end: MemoryEnd): unknown[][] {
  const decoder = new FrameDecoder()
  const out: unknown[][] = []
  for (const chunk of end.written) for (const body of decoder.push(chunk)) out.push(codec.decode(body) as unknown[])
  return out
}

test('a request nested deeper than maxDepth is answered INVALID_ARGUMENT alone; the stream stays open', async t => {
  const { server, serverEnd, registry } = setup({ maxDepth: 16 })
  registry.register('S', { a: () => 'ok' })
  let deep: unknown = 1
  for (let i = 0; i < 40; i++) deep = [deep]
  serverEnd.inject(encodeFrames([codec.encode([1, 1, 'S', 'a', [deep], 0, 0, 0]), codec.encode([1, 2, 'S', 'a', [], 0, 0, 0])]))
  await waitFor(() => writtenFrames(serverEnd).length >= 2, 3000, 'two answers')
  const [first, second] = writtenFrames(serverEnd)
  t.deepEqual(first.slice(0, 3), [3, 1, 'INVALID_ARGUMENT'])
  t.regex(first[3] as string, /deeper than 16/)
  t.deepEqual(second.slice(0, 3), [2, 2, 'ok'])
  t.true(server.isOpen)
  t.is(serverEnd.aborted, undefined)
})

test('a request with a readable id but bad fields fails alone, each kind with its reason', async t => {
  const { server, serverEnd, registry } = setup()
  registry.register('S', { a: () => 'ok' })
  const bad: unknown[][] = [
    [1, 1, 42, 'a', [], 0, 0, 0], // service not a string
    [1, 2, 'S', 7, [], 0, 0, 0], // method not a string
    [1, 3, 'S', 'a', 'x', 0, 0, 0], // args not an array
    [1, 4, 'S', 'a', [], -1, 0, 0], // negative timeout
    [1, 5, 'S', 'a', [], 0, 0, 0, null, { k: 5 }], // metadata value not a string
    [1, 6, 'S', 'a', [], 0, 0, 0, { ordered: 'yes' }], // bad options
    [1, 7, '', 'a', [], 0, 0, 0] // empty service
  ]
  serverEnd.inject(encodeFrames([...bad.map(f => codec.encode(f)), codec.encode([1, 8, 'S', 'a', [], 0, 0, 0])]))
  await waitFor(() => writtenFrames(serverEnd).length >= 8, 3000, 'eight answers')
  const frames = writtenFrames(serverEnd)
  for (let id = 1; id <= 7; id++) {
    const f = frames.find(x => x[1] === id) as unknown[]
    t.is(f[0], 3, `id ${id} answered with an error`)
    t.is(f[2], 'INVALID_ARGUMENT', `id ${id}`)
    t.false(f[6] as boolean, `id ${id} did not execute`)
  }
  t.deepEqual(frames.find(x => x[1] === 8)?.slice(0, 3), [2, 8, 'ok'])
  t.true(server.isOpen)
})

test('a request without a readable id is a PROTOCOL violation', async t => {
  const { serverEnd } = setup()
  serverEnd.inject(encodeFrames([codec.encode([1, -5, 'S', 'a', 'not-an-array', 0])]))
  await waitFor(() => serverEnd.aborted !== undefined, 3000, 'stream reset')
  t.regex(serverEnd.aborted!.message, /no valid request id/)
})

test('metadata reaches the handler; trailers reach onTrailers before the call settles, on success and on error', async t => {
  const { client, registry } = setup()
  registry.register('S', {
    ok () { const c = callContext()!; c.setTrailer('cost', '3'); return c.meta['trace-id'] },
    fail () { callContext()!.setTrailer('why', 'tested'); throw new RangeError('no') }
  })
  const seen: Array<Record<string, string>> = []
  const value = await client.request('S', 'ok', [], { meta: { 'trace-id': 'abc' }, onTrailers: t => { seen.push({ ...t }) } })
  t.is(value, 'abc')
  t.deepEqual(seen, [{ cost: '3' }])
  const err = await rejection(client.request('S', 'fail', [], { onTrailers: t => { seen.push({ ...t }) } }))
  t.is(err.code, 'REMOTE')
  t.is(err.name, 'RangeError')
  t.deepEqual({ ...err.trailers }, { why: 'tested' })
  t.deepEqual(seen[1], { why: 'tested' })
})

test('retryable crosses the wire: a handler\'s RpcError keeps its flag', async t => {
  const { client, registry } = setup()
  registry.register('S', {
    busy () { throw new RpcError('OVERLOADED', 'try later', { mayHaveExecuted: false, retryable: false }) },
    gone () { throw new RpcError('INTERNAL', 'odd', { retryable: true }) }
  })
  const a = await rejection(client.request('S', 'busy', []))
  t.is(a.code, 'OVERLOADED')
  t.false(a.retryable)
  t.false(a.mayHaveExecuted)
  const b = await rejection(client.request('S', 'gone', []))
  t.true(b.retryable)
  const c = await rejection(client.request('Nope', 'x', []))
  t.is(c.code, 'NOT_FOUND')
  t.true(c.retryable) // another peer may host the service
})

test('flow control: requests beyond the write bound wait for room and all succeed, in order', async t => {
  const { client, registry } = setup({ maxPendingWriteBytes: 64 * 1024 })
  registry.register('S', { echo: (b: Uint8Array) => b.byteLength })
  const payload = new Uint8Array(50 * 1024)
  const calls = Array.from({ length: 40 }, () => client.request('S', 'echo', [payload], { timeoutMs: 10_000 }))
  t.is(client.pendingCalls, 40)
  const sizes = await Promise.all(calls)
  t.true(sizes.every(n => n === 50 * 1024))
})

test('flow control: a request that waits for room and hits its deadline fails as never sent', async t => {
  const { client, clientEnd, registry } = setup({ maxPendingWriteBytes: 16 * 1024 })
  registry.register('S', { echo: (b: Uint8Array) => b.byteLength })
  clientEnd.pauseWrites()
  const payload = new Uint8Array(12 * 1024)
  const first = client.request('S', 'echo', [payload], { timeoutMs: 5000 }) // taken by the paused stream
  await new Promise(resolve => setImmediate(resolve))
  const second = client.request('S', 'echo', [payload], { timeoutMs: 5000 }) // queued
  const third = client.request('S', 'echo', [payload], { timeoutMs: 100 }) // waits for room
  const err = await rejection(third)
  t.is(err.code, 'DEADLINE_EXCEEDED')
  t.false(err.mayHaveExecuted)
  clientEnd.resumeWrites()
  t.deepEqual(await Promise.all([first, second]), [12 * 1024, 12 * 1024])
})

test('a dropped connection fails calls in flight at once with UNAVAILABLE, not at their deadline', async t => {
  const { client, server, clientEnd, registry } = setup()
  registry.register('S', { async never () { await new Promise(() => {}) } })
  const p = client.request('S', 'never', [], { timeoutMs: 60_000 })
  await waitFor(() => server.servingCalls === 1, 2000, 'call served')
  const start = Date.now()
  clientEnd.drop(new Error('connection reset'))
  const err = await rejection(p)
  t.is(err.code, 'UNAVAILABLE')
  t.true(err.mayHaveExecuted)
  t.true(err.retryable)
  t.true(Date.now() - start < 1000)
  t.false(client.isOpen)
  const after = await rejection(client.request('S', 'never', []))
  t.is(after.code, 'UNAVAILABLE')
  t.false(after.mayHaveExecuted)
})

test('GOAWAY: the remote takes no new calls but finishes those in flight', async t => {
  const { client, server, registry } = setup()
  let release!: () => void
  const gate = new Promise<void>(resolve => { release = resolve })
  registry.register('S', { async wait () { await gate; return 'done' } })
  const inflight = client.request('S', 'wait', [])
  await waitFor(() => server.servingCalls === 1, 2000, 'call served')
  server.goAway()
  await waitFor(() => client.draining, 2000, 'client sees GOAWAY')
  const refused = await rejection(client.request('S', 'wait', []))
  t.is(refused.code, 'UNAVAILABLE')
  t.false(refused.mayHaveExecuted)
  release()
  t.is(await inflight, 'done')
})

test('ping measures a round trip', async t => {
  const { client } = setup()
  const rtt = await client.ping(1000)
  t.true(rtt >= 0 && rtt < 1000)
})

test('results that cannot be encoded become INTERNAL errors', async t => {
  const { client, registry } = setup()
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  registry.register('S', { bad: () => cyclic })
  const err = await rejection(client.request('S', 'bad', []))
  t.is(err.code, 'INTERNAL')
})

