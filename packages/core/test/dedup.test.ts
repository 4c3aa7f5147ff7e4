import test from 'ava'
import { DedupCache } from '../src/server/dedup.js'
import { RpcError } from '../src/errors.js'

const executed = (err: unknown): boolean => !(err instanceof RpcError) || err.mayHaveExecuted

test('a repeated call id from one caller runs once and gets the first answer', async t => {
  const cache = new DedupCache()
  let runs = 0
  const a = await cache.run('p1', 'id-1', () => ++runs, executed)
  const b = await cache.run('p1', 'id-1', () => ++runs, executed)
  t.is(a, 1)
  t.is(b, 1)
  t.is(runs, 1)
  t.is(cache.hits, 1)
})

test('the same call id from another caller is another call', async t => {
  const cache = new DedupCache()
  let runs = 0
  await cache.run('p1', 'id', () => ++runs, executed)
  t.is(await cache.run('p2', 'id', () => ++runs, executed), 2)
})

test('a repeat while the first is still running waits for the same answer', async t => {
  const cache = new DedupCache()
  let release!: (v: string) => void
  let runs = 0
  const first = cache.run('p', 'x', async () => { runs++; return await new Promise<string>(resolve => { release = resolve }) }, executed) as Promise<string>
  const second = cache.run('p', 'x', () => { runs++; return 'other' }, executed) as Promise<string>
  release('done')
  t.deepEqual(await Promise.all([first, second]), ['done', 'done'])
  t.is(runs, 1)
})

test('a failure that did not execute is forgotten, so a retry runs; one that did is remembered', async t => {
  const cache = new DedupCache()
  let runs = 0
  await t.throwsAsync(async () => { await cache.run('p', 'a', () => { runs++; throw new RpcError('OVERLOADED', 'busy', { mayHaveExecuted: false }) }, executed) as Promise<unknown> })
  await new Promise(resolve => setImmediate(resolve))
  t.is(await cache.run('p', 'a', () => { runs++; return 'ok' }, executed), 'ok')
  t.is(runs, 2)
  await t.throwsAsync(async () => { await cache.run('p', 'b', () => { runs++; throw new RangeError('bad') }, executed) as Promise<unknown> })
  await t.throwsAsync(async () => { await cache.run('p', 'b', () => { runs++; return 'never' }, executed) as Promise<unknown> }, { instanceOf: RangeError })
  t.is(runs, 3)
})

test('the cache stays within its capacity plus running calls, oldest completed entries first', async t => {
  const cache = new DedupCache(100)
  let release!: () => void
  const gate = new Promise<void>(resolve => { release = resolve })
  void cache.run('p', 'running', async () => { await gate; return 'r' }, executed)
  for (let i = 0; i < 1000; i++) {
    await cache.run('p', `id-${i}`, () => i, executed)
  }
  // bounded by capacity plus the calls still running (here: everything since the running one, until it ends)
  release()
  await new Promise(resolve => setImmediate(resolve))
  await cache.run('p', 'one-more', () => 0, executed)
  t.true(cache.size <= 101, `size ${cache.size}`)
  // the running call survived eviction: a repeat joins it instead of running again
  let ran = false
  const repeat = cache.run('p', 'id-999', () => { ran = true; return -1 }, executed) as Promise<number>
  t.is(await repeat, 999, 'the newest completed entries are still there')
  t.false(ran)
})

test('a call that never ends cannot hold the cache past twice its capacity', async t => {
  const cache = new DedupCache(100)
  void cache.run('p', 'stuck', async () => await new Promise(() => {}), executed)
  for (let i = 0; i < 1000; i++) await cache.run('p', `id-${i}`, () => i, executed)
  t.true(cache.size <= 200, `size ${cache.size}`)
})

test('eviction stays fast under a long stream of ids', t => {
  const cache = new DedupCache(1000)
  const start = performance.now()
  for (let i = 0; i < 200_000; i++) void cache.run('p', `id-${i}`, () => i, executed)
  t.true(performance.now() - start < 2000, `${performance.now() - start} ms`)
})
