import test from 'ava'
import { InterceptorChain, compose } from '../src/interceptors.js'

test('compose: an empty chain is the terminal itself (no promise per call)', t => {
  const terminal = (x: number): number => x + 1
  t.is(compose([], terminal), terminal)
})

test('outermost first; each may change the call, observe the result, or answer without next', async t => {
  const order: string[] = []
  const chain = new InterceptorChain<{ n: number }>(c => { order.push(`terminal:${c.n}`); return c.n * 10 })
  chain.add(async (c, next) => { order.push('a'); return (await next({ n: c.n + 1 }) as number) + 1 })
  const removeB = chain.add(async (c, next) => { order.push('b'); return c.n === 99 ? 'short' : await next(c) })
  t.is(await chain.run({ n: 1 }), 21)
  t.deepEqual(order, ['a', 'b', 'terminal:2'])
  order.length = 0
  t.is(await chain.run({ n: 98 }), 'short1') // b answered 'short' for n 99; a added 1 to it
  t.deepEqual(order, ['a', 'b'])
  removeB()
  removeB() // twice is harmless
  t.is(chain.size, 1)
})

test('a throwing interceptor or terminal rejects; it never throws synchronously through run', async t => {
  const chain = new InterceptorChain<number>(() => { throw new Error('terminal') })
  chain.add((c, next) => next(c))
  await t.throwsAsync(async () => { await chain.run(1) }, { message: 'terminal' })
  chain.add(() => { throw new Error('interceptor') })
  await t.throwsAsync(async () => { await chain.run(1) }, { message: 'interceptor' })
})
