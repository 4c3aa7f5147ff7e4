import test from 'ava'
import { callableMethods, Registry } from '../src/server/registry.js'

class Calculator {
  private readonly secret = 42
  add (a: number, b: number): number { return a + b }
  get twice (): number { return this.secret * 2 }
}
class Scientific extends Calculator {
  pow (a: number, b: number): number { return a ** b }
}

test('class methods, inherited class methods and own function properties are callable', t => {
  const impl = Object.assign(new Scientific(), { extra: () => 1 })
  t.deepEqual([...callableMethods(impl).keys()].sort(), ['add', 'extra', 'pow'])
})

test('Object.prototype methods, constructor, __proto__, then and getters are never callable', t => {
  const names = [...callableMethods({ add: () => 1 }).keys()]
  t.deepEqual(names, ['add'])
  for (const bad of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'then', 'twice']) {
    t.false(callableMethods(new Calculator()).has(bad), bad)
  }
})

test('register rejects bad names, empty services, duplicates and unknown idempotent methods', t => {
  const r = new Registry()
  t.throws(() => r.register('', { a: () => 1 }))
  t.throws(() => r.register('S', {}))
  r.register('S', { a: () => 1 })
  t.throws(() => r.register('S', { a: () => 1 }), { message: /already registered/ })
  t.throws(() => r.register('T', { a: () => 1 }, { idempotent: ['b'] }), { message: /idempotent method b/ })
})

test('idempotent: true marks every method', t => {
  const r = new Registry()
  const e = r.register('S', { a: () => 1, b: () => 2 }, { idempotent: true })
  t.deepEqual([...e.idempotent].sort(), ['a', 'b'])
})

test('unregister removes the service', t => {
  const r = new Registry()
  r.register('S', { a: () => 1 })
  t.true(r.unregister('S'))
  t.false(r.has('S'))
  t.false(r.unregister('S'))
})
