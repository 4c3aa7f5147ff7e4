/**
 * Hostile peers at the RPC layer, on real libp2p nodes on loopback: garbage frames of every kind, streams opened
 * and never written, idle streams, and a flood of 20k concurrent calls (from a peercall node, and by hand across
 * every stream a peer may open). Each test asserts that the node survives, stays within bounded memory, and keeps
 * serving other peers.
 */
import test from 'ava'
import { multiaddr } from '@multiformats/multiaddr'
import { createNode, RpcError } from '../src/index.js'
import { codec } from '../src/codec.js'
import { MAX_INFLIGHT_PER_PEER, MAX_RPC_STREAMS_PER_PEER } from '../src/defaults.js'
import { encodeFrames, rawPeer, readFrames, request, rpcStream, settledHeap } from './helpers/raw-peer.js'
import { waitFor } from './helpers/wait.js'
import type { NodeOptions, PeercallNode } from '../src/index.js'
import type { Node } from '../src/node.js'
import type { Session } from '../src/wire/session.js'
import type { Stream } from '@libp2p/interface'

type Teardown = { teardown: (fn: () => Promise<void>) => void }

async function start (t: Teardown, options: NodeOptions = {}): Promise<PeercallNode> {
  const node = await createNode({ membership: { profile: 'fast' }, ...options })
  t.teardown(async () => { await node.stop().catch(() => {}) })
  return node
}

function sessionsFrom (node: PeercallNode, peer: string): Session[] {
  return ((node as Node) as unknown as { pool: { sessions: () => Session[] } }).pool.sessions().filter(s => s.peer === peer)
}

const calculator = { add: (a: number, b: number) => a + b }

/** Calls `node` from `client` in a loop until stopped; resolves with [ok, failed]. */
function keepCalling (client: PeercallNode, node: PeercallNode): { stop: () => Promise<[number, number]> } {
  let running = true
  let ok = 0
  let failed = 0
  const loop = (async () => {
    for (let i = 0; running && i < 100_000; i++) {
      try {
        if (await client.call('Calculator', 'add', [i, 1], { peer: node.multiaddrs[0], timeoutMs: 5000 }) === i + 1) ok++
        else failed++
      } catch {
        failed++
      }
      await new Promise(resolve => setTimeout(resolve, 5))
    }
  })()
  return { stop: async () => { running = false; await loop; return [ok, failed] } }
}

function nest (depth: number): unknown {
  let v: unknown = 0
  for (let i = 0; i < depth; i++) v = [v]
  return v
}

function lengthOnly (len: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, len)
  return b
}

test.serial('bytes that are not frames, of every kind: a PROTOCOL error and a reset each time; the node serves others, memory bounded', async t => {
  t.timeout(120_000)
  const a = await start(t)
  const b = await start(t)
  a.register('Calculator', calculator)
  a.register('Slow', { wait: async () => { await new Promise(resolve => setTimeout(resolve, 2000)); return 1 } })
  const raw = await rawPeer(t)
  await raw.dial(multiaddr(a.multiaddrs[0]))
  const hostile = raw.peerId.toString()
  const kinds: Array<[string, () => Uint8Array]> = [
    ['length past the frame limit', () => lengthOnly(0xffffffff)],
    ['undecodable body', () => encodeFrames([Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff)])],
    ['not an array', () => encodeFrames([codec.encode({ hello: 'world' })])],
    ['an answer nested past maxDepth', () => encodeFrames([codec.encode([2, 1, [nest(200)], 0, 0])])],
    ['malformed request fields', () => encodeFrames([codec.encode([1, 'id', 7, null, 'args', -5])])],
    ['request id reused while in flight', () => encodeFrames([request(9, 'Slow', 'wait', []), request(9, 'Slow', 'wait', [])])],
    ['random bytes', () => Uint8Array.from({ length: 512 }, (_, i) => (i * 7919 + 13) & 0xff)]
  ]
  const honest = keepCalling(b, a)
  await waitFor(() => sessionsFrom(a, b.peerId).length > 0, 10_000, 'b calls a')
  const heapBefore = await settledHeap()
  const ROUNDS = 15
  for (let round = 0; round < ROUNDS; round++) {
    await Promise.all(kinds.map(async ([what, bytes]) => {
      const stream = await rpcStream(raw, a.peerId)
      const reading = readFrames(stream, frames => frames.some(f => f[0] === 3 && f[1] === 0), 10_000)
      await stream.sink([bytes()]).catch(() => {})
      const { frames, end } = await reading
      const err = frames.find(f => f[0] === 3 && f[1] === 0)
      t.is(err?.[2], 'PROTOCOL', `${what}: ${end}`)
      stream.abort(new Error('done'))
    }))
  }
  await waitFor(() => sessionsFrom(a, hostile).length === 0, 10_000, 'every hostile session closed')
  const [ok, failed] = await honest.stop()
  t.is(failed, 0)
  t.true(ok > 10, `${ok} honest calls`)
  const grown = (await settledHeap()) - heapBefore
  t.log(`${ROUNDS * kinds.length} hostile streams; heap grew ${(grown / 1e6).toFixed(1)} MB; ${ok} honest calls served meanwhile`)
  t.true(grown < 20e6, `heap grew ${grown} bytes`)
  // and the hostile peer is still a peer like any other once it speaks the protocol
  const stream = await rpcStream(raw, a.peerId)
  const reading = readFrames(stream, frames => frames.length > 0, 5000)
  await stream.sink([encodeFrames([request(1, 'Calculator', 'add', [20, 22])])])
  const { frames } = await reading
  t.deepEqual(frames[0]?.slice(0, 3), [2, 1, 42])
})

test.serial('streams opened and never written: at most maxStreamsPerPeer, each reset after firstFrameTimeoutMs', async t => {
  t.timeout(60_000)
  const a = await start(t, { limits: { firstFrameTimeoutMs: 5000 } })
  const b = await start(t)
  a.register('Calculator', calculator)
  const raw = await rawPeer(t)
  await raw.dial(multiaddr(a.multiaddrs[0]))
  const hostile = raw.peerId.toString()
  const honest = keepCalling(b, a)
  const opened = performance.now()
  const streams: Stream[] = await Promise.all(Array.from({ length: MAX_RPC_STREAMS_PER_PEER }, async () => await rpcStream(raw, a.peerId)))
  const ends = streams.map(async s => await readFrames(s, () => false, 15_000))
  t.true(performance.now() - opened < 4000, 'opened before the first-frame timeout') // else the test proves nothing
  await waitFor(() => sessionsFrom(a, hostile).length === MAX_RPC_STREAMS_PER_PEER, 5000, 'sessions at a')
  // one more is refused: the dial fails, or the stream is reset at once
  const extra = await rpcStream(raw, a.peerId).then(async s => (await readFrames(s, () => false, 3000)).end, () => 'refused')
  t.true(extra === 'refused' || extra === 'reset' || extra === 'ended', extra)
  t.true(sessionsFrom(a, hostile).length <= MAX_RPC_STREAMS_PER_PEER)
  // the silent streams are reset by a after the first-frame timeout
  const outcomes = await Promise.all(ends)
  t.true(outcomes.every(o => o.end === 'reset' || o.end === 'ended'), outcomes.map(o => o.end).join())
  await waitFor(() => sessionsFrom(a, hostile).length === 0, 5000, 'silent sessions closed')
  const [ok, failed] = await honest.stop()
  t.is(failed, 0)
  t.true(ok > 5)
  // a stream that does speak is served
  const s = await rpcStream(raw, a.peerId)
  const reading = readFrames(s, frames => frames.length > 0, 5000)
  await s.sink([encodeFrames([request(1, 'Calculator', 'add', [1, 2])])])
  t.deepEqual((await reading).frames[0]?.slice(0, 3), [2, 1, 3])
})

test.serial('an idle inbound stream gets GOAWAY and is closed; the caller opens a new one on its next call, and a busy one stays', async t => {
  t.timeout(60_000)
  const a = await start(t, { limits: { idleStreamTimeoutMs: 1500 } })
  const b = await start(t)
  a.register('Calculator', calculator)
  t.is(await b.call('Calculator', 'add', [1, 1], { peer: a.multiaddrs[0] }), 2)
  const first = sessionsFrom(a, b.peerId)
  t.is(first.length, 1)
  await waitFor(() => sessionsFrom(a, b.peerId).length === 0, 10_000, 'idle session closed')
  t.is(await b.call('Calculator', 'add', [2, 2], { peer: a.peerId }), 4)
  const second = sessionsFrom(a, b.peerId)
  t.is(second.length, 1)
  t.not(second[0], first[0])
  // calls every 50 ms for 3 s (twice the idle timeout) keep the stream: no call fails, no new stream
  for (let i = 0; i < 60; i++) {
    t.is(await b.call('Calculator', 'add', [i, 0], { peer: a.peerId }), i)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  t.deepEqual(sessionsFrom(a, b.peerId), second)
})

test.serial('20k concurrent calls from one peer: OVERLOADED past its own limit, while another peer calling throughout is never refused; heap bounded', async t => {
  t.timeout(120_000)
  const a = await start(t)
  const flooder = await start(t)
  const other = await start(t)
  a.register('Calculator', calculator)
  let executing = 0
  let peak = 0
  let release!: () => void
  const gate = new Promise<void>(resolve => { release = resolve })
  a.register('Slow', {
    async wait () {
      executing++
      peak = Math.max(peak, executing)
      await gate
      executing--
      return 1
    }
  })
  t.is(await flooder.call('Calculator', 'add', [1, 1], { peer: a.multiaddrs[0] }), 2)
  t.is(await other.call('Calculator', 'add', [1, 1], { peer: a.multiaddrs[0] }), 2)
  const heapBefore = await settledHeap()
  const N = 20_000
  let ok = 0
  let overloaded = 0
  let otherErrors = 0
  let executedFlag = 0
  // an honest peer calls throughout the flood: admission is per calling peer, so its calls are never refused
  let honestOk = 0
  const honestErrors: string[] = []
  let floodDone = false
  const honest = (async () => {
    while (!floodDone) {
      try {
        await other.call('Calculator', 'add', [1, 2], { peer: a.peerId, timeoutMs: 30_000 })
        honestOk++
      } catch (err) {
        honestErrors.push((err as Error).message)
      }
    }
  })()
  const calls: Array<Promise<void>> = []
  for (let i = 0; i < N; i++) {
    calls.push(flooder.call('Slow', 'wait', [], { peer: a.peerId, timeoutMs: 60_000 }).then(() => { ok++ }, (err: unknown) => {
      if (err instanceof RpcError && err.code === 'OVERLOADED') {
        overloaded++
        if (err.mayHaveExecuted) executedFlag++
      } else otherErrors++
    }))
  }
  await waitFor(() => overloaded + otherErrors >= N - MAX_INFLIGHT_PER_PEER, 60_000, 'the flood answered')
  floodDone = true
  await honest
  // while the flood's calls hold every slot it may have, another peer is served at once
  const started = performance.now()
  for (let i = 0; i < 20; i++) t.is(await other.call('Calculator', 'add', [i, i], { peer: a.peerId }), 2 * i)
  const otherMs = performance.now() - started
  const heapDuring = process.memoryUsage().heapUsed
  release()
  await Promise.all(calls)
  const heapAfter = await settledHeap()
  t.log(`flood of ${N}: ${ok} ok, ${overloaded} OVERLOADED, ${otherErrors} other; peak executing ${peak}; 20 calls of another peer took ${otherMs.toFixed(0)} ms; heap before ${(heapBefore / 1e6).toFixed(1)} MB, during ${(heapDuring / 1e6).toFixed(1)} MB, after ${(heapAfter / 1e6).toFixed(1)} MB`)
  t.log(`the honest peer made ${honestOk} calls during the flood, ${honestErrors.length} refused`)
  t.deepEqual(honestErrors, [])
  t.true(honestOk > 0)
  t.is(otherErrors, 0)
  t.is(ok, MAX_INFLIGHT_PER_PEER)
  t.is(overloaded, N - MAX_INFLIGHT_PER_PEER)
  t.is(executedFlag, 0) // refused calls never ran, and say so
  t.is(peak, MAX_INFLIGHT_PER_PEER)
  t.true(otherMs < 5000)
  t.true(heapAfter - heapBefore < 30e6, `heap grew ${heapAfter - heapBefore} bytes`)
  t.true(heapDuring - heapBefore < 200e6, `heap during the flood grew ${heapDuring - heapBefore} bytes`)
  t.is(executing, 0)
})

test.serial('20k calls by hand across every stream a peer may open, each stream then ended: the limit holds per peer, for handlers still running', async t => {
  t.timeout(120_000)
  const a = await start(t)
  const other = await start(t)
  a.register('Calculator', calculator)
  let executing = 0
  let peak = 0
  let release!: () => void
  const gate = new Promise<void>(resolve => { release = resolve })
  a.register('Slow', { async wait () { executing++; peak = Math.max(peak, executing); await gate; executing--; return 1 } })
  const raw = await rawPeer(t)
  await raw.dial(multiaddr(a.multiaddrs[0]))
  const N = 20_000
  const perStream = N / MAX_RPC_STREAMS_PER_PEER
  const heapBefore = await settledHeap()
  // each stream sends its share and ends its side at once: the session closes, its handlers run on; a limit
  // counted per stream would let every stream start maxInflight more
  const results = await Promise.all(Array.from({ length: MAX_RPC_STREAMS_PER_PEER }, async () => {
    const stream = await rpcStream(raw, a.peerId)
    const answers = new Map<number, string>()
    const reading = readFrames(stream, frames => {
      for (const f of frames.splice(0)) answers.set(f[1] as number, f[0] === 2 ? 'OK' : String(f[2]))
      return answers.size === perStream
    }, 30_000)
    const bodies = Array.from({ length: perStream }, (_, i) => request(i + 1, 'Slow', 'wait', [], 60_000))
    void stream.sink([encodeFrames(bodies)]).catch(() => {})
    return { reading, answers }
  }))
  const count = (code: string): number => results.reduce((n, r) => n + [...r.answers.values()].filter(c => c === code).length, 0)
  await waitFor(() => count('OVERLOADED') >= N - MAX_INFLIGHT_PER_PEER, 60_000, 'the refusals')
  t.is(await other.call('Calculator', 'add', [2, 3], { peer: a.multiaddrs[0] }), 5)
  const heapDuring = process.memoryUsage().heapUsed
  release()
  await Promise.all(results.map(async r => { await r.reading }))
  await waitFor(() => executing === 0, 10_000, 'handlers done')
  const heapAfter = await settledHeap()
  t.log(`by hand: ${count('OVERLOADED')} OVERLOADED, ${count('OK')} OK (answers to calls whose stream had ended are dropped); peak executing ${peak}; heap before ${(heapBefore / 1e6).toFixed(1)} MB, during ${(heapDuring / 1e6).toFixed(1)} MB, after ${(heapAfter / 1e6).toFixed(1)} MB`)
  t.is(peak, MAX_INFLIGHT_PER_PEER)
  t.is(count('OVERLOADED'), N - MAX_INFLIGHT_PER_PEER)
  t.true(heapAfter - heapBefore < 30e6)
  // once its handlers are done the peer is served again
  const s = await rpcStream(raw, a.peerId)
  const reading = readFrames(s, frames => frames.length > 0, 5000)
  await s.sink([encodeFrames([request(1, 'Calculator', 'add', [1, 2])])])
  t.deepEqual((await reading).frames[0]?.slice(0, 3), [2, 1, 3])
})

test.serial('a peer that sends calls and never reads the answers: reading from it pauses, the queue stays bounded, then its stream is closed', async t => {
  t.timeout(60_000)
  const LIMIT = 1024 * 1024
  const a = await start(t, { limits: { maxPendingWriteBytes: LIMIT, writeStallTimeoutMs: 3000 } })
  const b = await start(t)
  a.register('Calculator', calculator)
  a.register('Big', { get: () => 'x'.repeat(1000) })
  const raw = await rawPeer(t)
  await raw.dial(multiaddr(a.multiaddrs[0]))
  const hostile = raw.peerId.toString()
  const heapBefore = await settledHeap()
  const stream = await rpcStream(raw, a.peerId)
  let id = 1
  let stop = false
  // 50k calls whose answers total 50 MB; the stream is never read
  void stream.sink((async function * () {
    for (let batch = 0; batch < 50 && !stop; batch++) {
      yield encodeFrames(Array.from({ length: 1000 }, () => request(id++, 'Big', 'get', [])))
      await new Promise(resolve => setTimeout(resolve, 10))
    }
    while (!stop) await new Promise(resolve => setTimeout(resolve, 50))
  })()).catch(() => {})
  t.teardown(() => { stop = true })
  const queued = (): number => sessionsFrom(a, hostile).reduce((n, s) => n + (s as unknown as { queuedBytes: number }).queuedBytes, 0)
  let peakQueued = 0
  let peakHeap = 0
  const honest = keepCalling(b, a)
  await waitFor(() => {
    peakQueued = Math.max(peakQueued, queued())
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)
    return sessionsFrom(a, hostile).length === 0 && id > 2000
  }, 30_000, 'the stalled stream closed')
  const [ok, failed] = await honest.stop()
  const heapAfter = await settledHeap()
  t.log(`${id - 1} calls sent, never read: peak queued ${(peakQueued / 1e6).toFixed(1)} MB (limit ${LIMIT / 1e6} MB), peak heap +${((peakHeap - heapBefore) / 1e6).toFixed(1)} MB, after +${((heapAfter - heapBefore) / 1e6).toFixed(1)} MB; ${ok} honest calls meanwhile`)
  t.true(peakQueued <= 4 * LIMIT + 1e6, `peak queued ${peakQueued}`)
  t.true(peakHeap - heapBefore < 100e6)
  t.true(heapAfter - heapBefore < 20e6)
  t.is(failed, 0)
  t.true(ok > 5)
})
