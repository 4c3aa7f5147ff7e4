/**
 * The stream writer on its own (shared by membership's links and the RPC core's sessions): coalescing, the
 * per-stream and per-node bounds, FIFO admission of waiting requests, per-frame taken callbacks.
 */
import test from 'ava'
import { FrameDecoder, encodeFrames } from '../src/frames.js'
import { FrameWriter as Writer, WriteBudget } from '../src/writer.js'
import type { WriterOptions } from '../src/writer.js'

/** A writer with this package's framing. */
class FrameWriter extends Writer {
  constructor (options: Omit<WriterOptions, 'encode'>) {
    super({ ...options, encode: encodeFrames })
  }
}

/** Pulls one chunk from the writer's source and returns the bodies in it. */
async function pull (it: AsyncGenerator<Uint8Array>): Promise<Uint8Array[]> {
  const { value } = await it.next()
  return new FrameDecoder(1 << 20).push(value as Uint8Array)
}

test('frames pushed in one turn leave as one chunk', async t => {
  const w = new FrameWriter({ maxQueuedBytes: 1024 })
  const it = w.source()
  w.push(Uint8Array.of(1), true)
  w.push(Uint8Array.of(2), true)
  w.push(Uint8Array.of(3), true)
  t.deepEqual((await pull(it)).map(b => b[0]), [1, 2, 3])
})

test('past the stream bound requests wait and are admitted in FIFO order as the queue is taken', async t => {
  const w = new FrameWriter({ maxQueuedBytes: 10 })
  const it = w.source()
  t.true(w.hasRoom(8))
  w.push(new Uint8Array(8).fill(1))
  t.false(w.hasRoom(8))
  const admitted: number[] = []
  w.wait({ body: new Uint8Array(8).fill(2), admitted: () => { admitted.push(2) } })
  w.wait({ body: new Uint8Array(8).fill(3), admitted: () => { admitted.push(3) } })
  t.false(w.hasRoom(1), 'no overtaking of waiting requests')
  t.deepEqual((await pull(it)).map(b => b[0]), [1])
  t.deepEqual(admitted, [2]) // one fits; the second waits for the next chunk
  t.deepEqual((await pull(it)).map(b => b[0]), [2])
  t.deepEqual(admitted, [2, 3])
  t.deepEqual((await pull(it)).map(b => b[0]), [3])
})

test('a withdrawn ticket is never written; the next one moves up', async t => {
  const w = new FrameWriter({ maxQueuedBytes: 10 })
  const it = w.source()
  w.push(new Uint8Array(8).fill(1))
  const a = { body: new Uint8Array(8).fill(2), admitted: () => {} }
  const b = { body: new Uint8Array(8).fill(3), admitted: () => {} }
  w.wait(a)
  w.wait(b)
  t.true(w.withdraw(a))
  t.deepEqual((await pull(it)).map(x => x[0]), [1])
  t.deepEqual((await pull(it)).map(x => x[0]), [3])
  t.false(w.withdraw(a))
})

test('the node-wide budget holds requests on every stream and frees them as any stream drains', async t => {
  const budget = new WriteBudget(16)
  const w1 = new FrameWriter({ maxQueuedBytes: 100, budget })
  const w2 = new FrameWriter({ maxQueuedBytes: 100, budget })
  const it1 = w1.source()
  w1.push(new Uint8Array(12))
  t.is(budget.used, 12)
  t.false(w2.hasRoom(8), 'the node is full although w2 is empty')
  let in2 = false
  w2.wait({ body: new Uint8Array(8), admitted: () => { in2 = true } })
  await pull(it1)
  t.true(in2)
  t.is(budget.used, 8)
  w2.close()
  t.is(budget.used, 0)
})

test('a frame pushed with onTaken hears true once the stream asks for the next chunk, false if the writer closes first', async t => {
  const w = new FrameWriter({ maxQueuedBytes: 1024 })
  const it = w.source()
  const seen: Array<[number, boolean]> = []
  w.push(Uint8Array.of(1), false, ok => { seen.push([1, ok]) })
  await pull(it)
  t.deepEqual(seen, [], 'not before the stream has taken the chunk')
  const next = it.next() // the stream asks for more: the first chunk was taken
  await Promise.resolve()
  t.deepEqual(seen, [[1, true]])
  w.push(Uint8Array.of(2), false, ok => { seen.push([2, ok]) })
  await next
  w.push(Uint8Array.of(3), false, ok => { seen.push([3, ok]) })
  w.close()
  t.deepEqual(seen, [[1, true], [2, false], [3, false]])
  let late: boolean | undefined
  w.push(Uint8Array.of(4), false, ok => { late = ok })
  t.false(late)
})
