/**
 * The writer on its own: coalescing, the per-stream and per-node bounds, FIFO admission of waiting requests.
 */
import test from 'ava'
import { FrameDecoder } from '../../src/wire/framing.js'
import { FrameWriter, WriteBudget } from '../../src/wire/writer.js'

/** Pulls one chunk from the writer's source and returns the bodies in it. */
async function pull (it: AsyncGenerator<Uint8Array>): Promise<Uint8Array[]> {
  const { value } = await it.next()
  return new FrameDecoder().push(value as Uint8Array)
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
