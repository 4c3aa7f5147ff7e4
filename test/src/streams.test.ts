/**
 * Streams, in the interop suite: gRPC's streaming interop cases (server_streaming, client_streaming, ping_pong,
 * empty_stream, cancel_after_first_response, timeout_on_sleeping_server) and peercall's stream semantics (flow
 * control both ways, cancellation reaching the generator, errors after items, deadlines, metadata and
 * interceptors, routed failover only before the first item, a peer dying mid-stream, the per-peer limit), on
 * real peers on 127.0.0.1.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import test from 'ava'
import { callContext, RpcError } from '@peercall/core'
import { hosted, peers, rejection } from './helpers/peers.js'
import { waitFor } from './helpers/wait.js'
import type { PeercallNode } from '@peercall/core'

async function collect<T> (it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** Sleeps `ms`, or until the call being served is cancelled or times out (a handler that waits watches its signal). */
async function sleepInCall (ms: number): Promise<void> {
  const signal = callContext()!.signal
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason) }, { once: true })
  })
}

test('server_streaming: four answers of 31,415, 9, 2,653 and 58,979 bytes, in order', async t => {
  const [a, b] = await peers(t, 2)
  b.register('Test', { async * streamingOutput (sizes: number[]) { for (const n of sizes) yield new Uint8Array(n) } })
  const sizes = [31_415, 9, 2_653, 58_979]
  const got = await collect(a.stream<Uint8Array>('Test', 'streamingOutput', [sizes], { peer: b.peerId }))
  t.deepEqual(got.map(x => x.byteLength), sizes)
})

test('client_streaming: 27,182 + 8 + 1,828 + 45,904 bytes in, the aggregate 74,922 out', async t => {
  const [a, b] = await peers(t, 2)
  b.register('Test', {
    async streamingInput () {
      let total = 0
      for await (const chunk of callContext()!.input as AsyncIterable<Uint8Array>) total += chunk.byteLength
      return total
    }
  })
  const input = [27_182, 8, 1_828, 45_904].map(n => new Uint8Array(n))
  t.is(await a.call('Test', 'streamingInput', [], { peer: b.peerId, input }), 74_922)
  await hosted(a, 'Test')
  // routed, and with an async generator as input
  async function * gen (): AsyncGenerator<Uint8Array> { for (const x of input) yield x }
  t.is(await a.call('Test', 'streamingInput', [], { input: gen() }), 74_922)
})

test('ping_pong: four exchanges, each answer before the next request', async t => {
  const [a, b] = await peers(t, 2)
  b.register('Test', { async * fullDuplex () { for await (const size of callContext()!.input as AsyncIterable<number>) yield new Uint8Array(size) } })
  const sizes = [31_415, 9, 2_653, 58_979]
  const answers: number[] = []
  let next!: () => void
  async function * requests (): AsyncGenerator<number> {
    for (const size of sizes) {
      const answered = new Promise<void>(resolve => { next = resolve })
      yield size
      await answered // the next request only after this one's answer
    }
  }
  for await (const reply of a.stream<Uint8Array>('Test', 'fullDuplex', [], { peer: b.peerId, input: requests() })) {
    answers.push(reply.byteLength)
    next()
  }
  t.deepEqual(answers, sizes)
})

test('empty_stream: no items either way, pinned, routed and local', async t => {
  const [a, b] = await peers(t, 2)
  const serve = { async * fullDuplex () { for await (const x of callContext()!.input ?? []) yield x } }
  b.register('Test', serve)
  a.register('Local', serve)
  t.deepEqual(await collect(a.stream('Test', 'fullDuplex', [], { peer: b.peerId, input: [] })), [])
  await hosted(a, 'Test')
  t.deepEqual(await collect(a.stream('Test', 'fullDuplex', [], { input: [] })), [])
  t.deepEqual(await collect(a.stream('Local', 'fullDuplex', [], { input: [] })), [])
})

test('cancel_after_first_response: leaving the loop cancels the remote generator, whose finally runs promptly', async t => {
  const [a, b] = await peers(t, 2)
  let finallyAt = 0
  let leftAt = 0
  b.register('Test', {
    async * fullDuplex () {
      try {
        for await (const x of callContext()!.input as AsyncIterable<number>) yield x
      } finally {
        finallyAt = Date.now()
      }
    }
  })
  async function * endless (): AsyncGenerator<number> { for (let i = 0; ; i++) { yield i; await sleep(5) } }
  for await (const x of a.stream('Test', 'fullDuplex', [], { peer: b.peerId, input: endless() })) {
    t.is(x, 0)
    leftAt = Date.now()
    break
  }
  await waitFor(() => finallyAt > 0, 5000, 'the remote generator closed')
  t.true(finallyAt - leftAt < 2000, `finally ran ${finallyAt - leftAt} ms after the caller left`)
  // and by aborting the signal
  finallyAt = 0
  const ac = new AbortController()
  const it = a.stream('Test', 'fullDuplex', [], { peer: b.peerId, input: endless(), signal: ac.signal })[Symbol.asyncIterator]()
  t.is((await it.next()).value, 0)
  ac.abort()
  const err = await rejection((async () => { while (!(await it.next()).done); })())
  t.is(err.code, 'CANCELLED')
  await waitFor(() => finallyAt > 0, 5000, 'the remote generator closed after the abort')
})

test('timeout_on_sleeping_server for a stream: the deadline covers the whole stream', async t => {
  const [a, b] = await peers(t, 2)
  let finished = false
  b.register('Test', { async * slow () { try { yield 1; await sleepInCall(10_000); yield 2 } finally { finished = true } } })
  const got: unknown[] = []
  const start = Date.now()
  const err = await rejection((async () => { for await (const x of a.stream('Test', 'slow', [], { peer: b.peerId, timeoutMs: 300 })) got.push(x) })())
  t.is(err.code, 'DEADLINE_EXCEEDED')
  t.deepEqual(got, [1])
  // well before the handler's 10 s sleep would end (timers run late on a loaded machine; the bound is loose)
  t.true(Date.now() - start < 8000, `${Date.now() - start} ms`)
  await waitFor(() => finished, 8000, 'the sleeping generator closed by its signal')
})

test('an error thrown mid-stream arrives after the items before it, with name, message and data', async t => {
  const [a, b] = await peers(t, 2)
  b.register('Test', { async * boom () { yield 'a'; yield 'b'; throw Object.assign(new RangeError('mid-stream'), { data: { at: 2 } }) } })
  const got: unknown[] = []
  const err = await rejection((async () => { for await (const x of a.stream('Test', 'boom', [], { peer: b.peerId })) got.push(x) })())
  t.deepEqual(got, ['a', 'b'])
  t.is(err.code, 'REMOTE')
  t.is(err.name, 'RangeError')
  t.is(err.message, 'mid-stream')
  t.deepEqual(err.data, { at: 2 })
})

test('flow control both ways: a fast producer with a slow consumer stays within a window of items', async t => {
  const [a, b] = await peers(t, 2)
  let produced = 0
  b.register('Test', { async * fast () { for (let i = 0; i < 200; i++) { produced++; yield new Uint8Array(1024) } } })
  let consumed = 0
  let maxAhead = 0
  for await (const _ of a.stream('Test', 'fast', [], { peer: b.peerId })) {
    consumed++
    maxAhead = Math.max(maxAhead, produced - consumed)
    if (consumed <= 40) await sleep(10)
  }
  t.is(consumed, 200)
  t.true(maxAhead <= 2 * 16 + 2, `the producer ran ${maxAhead} items ahead of the consumer`)
  // and input: a fast input with a slow handler
  let sent = 0
  let read = 0
  let inputAhead = 0
  b.register('Sink', { async slow () { for await (const _ of callContext()!.input as AsyncIterable<unknown>) { read++; inputAhead = Math.max(inputAhead, sent - read); await sleep(5) } return read } })
  async function * input (): AsyncGenerator<Uint8Array> { for (let i = 0; i < 100; i++) { sent++; yield new Uint8Array(1024) } }
  t.is(await a.call('Sink', 'slow', [], { peer: b.peerId, input: input() }), 100)
  t.true(inputAhead <= 2 * 16 + 2, `the input ran ${inputAhead} items ahead of the handler`)
})

test('a 100,000-item stream read 50 items then abandoned: the producer stays bounded and the heap flat', async t => {
  t.timeout(60_000)
  const [a, b] = await peers(t, 2)
  let produced = 0
  let closed = 0
  b.register('Test', { async * many (n: number) { try { for (let i = 0; i < n; i++) { produced++; yield i } } finally { closed++ } } })
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const heap = (): number => { gc(); gc(); return process.memoryUsage().heapUsed }
  const readFifty = async (): Promise<void> => {
    let n = 0
    for await (const _ of a.stream('Test', 'many', [100_000], { peer: b.peerId })) if (++n === 50) break
  }
  await readFifty()
  await waitFor(() => closed === 1, 5000, 'the first generator closed')
  t.true(produced <= 50 + 2 * 16 + 2, `produced ${produced} items for 50 read`)
  const before = heap()
  for (let i = 0; i < 20; i++) await readFifty()
  await waitFor(() => closed === 21, 10_000, 'every generator closed')
  const grown = heap() - before
  t.log(`21 abandoned streams: ${produced} items produced in all; heap grew ${(grown / 1e6).toFixed(2)} MB`)
  t.true(produced <= 21 * (50 + 2 * 16 + 2))
  t.true(grown < 10e6, `heap grew ${grown} bytes`)
})

test('metadata and interceptors apply to streams as to unary calls', async t => {
  const [a, b] = await peers(t, 2)
  const seen: string[] = []
  a.intercept({ outgoing: async (call, next) => { seen.push(`out:${call.method}`); return await next({ ...call, meta: { ...call.meta, tenant: 't1' } }) } })
  b.intercept({ incoming: async (call, next) => { seen.push(`in:${call.meta.tenant}`); return await next(call) } })
  let trailers: Record<string, string> | undefined
  b.register('Test', { async * tail () { const c = callContext()!; c.setTrailer('count', '2'); yield c.meta.tenant; yield c.meta['trace-id'] } })
  const got = await collect(a.stream('Test', 'tail', [], { peer: b.peerId, meta: { 'trace-id': 'x' }, onTrailers: tr => { trailers = { ...tr } } }))
  t.deepEqual(got, ['t1', 'x'])
  t.deepEqual(seen, ['out:tail', 'in:t1'])
  t.deepEqual(trailers, { count: '2' })
})

test('a routed stream fails over before its first item, never after', async t => {
  const [a, b, c] = await peers(t, 3)
  const refuse = { async * tail () { throw new RpcError('UNAVAILABLE', 'not today', { mayHaveExecuted: false }) } }
  const serve = { async * tail () { yield 'ok' } }
  b.register('Test', refuse, { idempotent: true })
  c.register('Test', serve, { idempotent: true })
  await waitFor(() => a.members().filter(m => m.services.includes('Test') && m.state === 'alive').length === 2, 15_000, 'both hosts seen')
  for (let i = 0; i < 6; i++) t.deepEqual(await collect(a.stream('Test', 'tail', [], { balance: 'round-robin' })), ['ok'])
  // once an item has flowed, a failure reaches the caller
  b.unregister('Test')
  c.unregister('Test')
  b.register('Late', { async * tail () { yield 'first'; throw new RpcError('UNAVAILABLE', 'gone mid-stream', { mayHaveExecuted: true }) } }, { idempotent: true })
  c.register('Late', { async * tail () { yield 'first'; throw new RpcError('UNAVAILABLE', 'gone mid-stream', { mayHaveExecuted: true }) } }, { idempotent: true })
  await waitFor(() => a.members().filter(m => m.services.includes('Late') && m.state === 'alive').length === 2, 15_000, 'both Late hosts seen')
  const got: unknown[] = []
  const err = await rejection((async () => { for await (const x of a.stream('Late', 'tail', [])) got.push(x) })())
  t.deepEqual(got, ['first'])
  t.is(err.code, 'UNAVAILABLE')
})

test('the peer dying mid-stream gives UNAVAILABLE at the iterator promptly', async t => {
  const [a, b] = await peers(t, 2)
  b.register('Test', { async * forever () { for (let i = 0; ; i++) { yield i; await sleep(10) } } })
  const it = a.stream('Test', 'forever', [], { peer: b.peerId, timeoutMs: 60_000 })[Symbol.asyncIterator]()
  t.is((await it.next()).value, 0)
  const killedAt = Date.now()
  await (b as unknown as { libp2p: { stop: () => Promise<void> } }).libp2p.stop() // no graceful leave, no drain
  const err = await rejection((async () => { while (!(await it.next()).done); })())
  t.is(err.code, 'UNAVAILABLE')
  t.true(Date.now() - killedAt < 5000, `${Date.now() - killedAt} ms`)
})

test('streaming calls per peer are bounded: past the limit a clear OVERLOADED, and room again as streams end', async t => {
  const [a, b] = await peers(t, 2, { limits: { maxCallStreamsPerPeer: 4 } })
  let release!: () => void
  const gate = new Promise<void>(resolve => { release = resolve })
  b.register('Test', { async * held () { yield 'open'; await gate } })
  const open = await Promise.all(Array.from({ length: 4 }, async () => {
    const it = a.stream('Test', 'held', [], { peer: b.peerId })[Symbol.asyncIterator]()
    t.is((await it.next()).value, 'open')
    return it
  }))
  const err = await rejection(a.stream('Test', 'held', [], { peer: b.peerId })[Symbol.asyncIterator]().next())
  t.is(err.code, 'OVERLOADED')
  t.regex(err.message, /streaming calls from this peer are open \(limit 4\)/)
  release()
  for (const it of open) t.true((await it.next()).done)
  const it = a.stream('Test', 'held', [], { peer: b.peerId })[Symbol.asyncIterator]()
  t.is((await it.next()).value, 'open')
  await it.return?.()
})

test('a unary call to a streaming handler, and a stream of a unary one, say which to use', async t => {
  const [a, b] = await peers(t, 2)
  b.register('Test', { async * tail () { yield 1 }, plain: () => 1 })
  t.regex((await rejection(a.call('Test', 'tail', [], { peer: b.peerId }))).message, /streams its answer: read it with node.stream\(\)/)
  t.regex((await rejection(collect(a.stream('Test', 'plain', [], { peer: b.peerId })))).message, /does not stream its answer/)
})
