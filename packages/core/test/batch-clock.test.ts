/**
 * The clock readings shared by one batch of work: kept while the jobs queued with the reading run, read again
 * after them, and never kept across a wait.
 */
import test from 'ava'
import { batchMonoNow, batchWallNow } from '../src/batch-clock.js'

function busy (ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) { /* spin */ }
}

test('readings are shared by one synchronous run, however long it takes', async t => {
  await new Promise(resolve => setImmediate(resolve))
  const mono = batchMonoNow()
  const wall = batchWallNow()
  busy(5)
  t.is(batchMonoNow(), mono)
  t.is(batchWallNow(), wall)
})

test('a job queued after the reading reads the clock again', async t => {
  await new Promise(resolve => setImmediate(resolve))
  const mono = batchMonoNow()
  const wall = batchWallNow()
  busy(5)
  await null
  t.true(batchMonoNow() >= mono + 5)
  t.true(batchWallNow() >= wall + 4)
})

test('a reading is not kept across a timer', async t => {
  const mono = batchMonoNow()
  await new Promise(resolve => setTimeout(resolve, 20))
  t.true(batchMonoNow() >= mono + 19)
})

test('the wall reading is Date.now, the monotonic one performance.now', async t => {
  await new Promise(resolve => setImmediate(resolve))
  const before = [Date.now(), performance.now()]
  const wall = batchWallNow()
  const mono = batchMonoNow()
  const after = [Date.now(), performance.now()]
  t.true(wall >= before[0] && wall <= after[0])
  t.true(mono >= before[1] && mono <= after[1])
})
