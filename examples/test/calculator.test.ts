/**
 * One Calculator: the example peer's (examples/src/calculator.ts, also served by calculator-service.ts) and the
 * CLI tests' fixture (packages/core/test/fixtures/calculator-service.ts) have the same methods, answers, errors and
 * idempotent list, so that a cluster running both has one Calculator.
 */
import test from 'ava'
import { calculator, CALCULATOR_IDEMPOTENT } from '../src/calculator.js'
import exampleModule from '../src/calculator-service.js'

interface ServiceSpec { name: string, impl: Record<string, (...args: unknown[]) => unknown>, options: { idempotent: string[] } }

async function fixture (): Promise<ServiceSpec> {
  const mod = await import(new URL('../../../packages/core/dist/test/fixtures/calculator-service.js', import.meta.url).href) as { default: ServiceSpec[] }
  const calc = mod.default.find(s => s.name === 'Calculator')
  if (calc === undefined) throw new Error('the fixture has no Calculator')
  return calc
}

function outcome (fn: () => unknown): unknown {
  try { return { value: fn() } } catch (err) { return { error: (err as Error).name, message: (err as Error).message } }
}

test('the example Calculator and the CLI fixture agree on methods, idempotency and behaviour', async t => {
  const fx = await fixture()
  const example = exampleModule as unknown as ServiceSpec
  t.is(example.name, 'Calculator')
  t.true(example.impl === (calculator as unknown))
  t.deepEqual(Object.keys(fx.impl).sort(), Object.keys(calculator).sort())
  t.deepEqual([...fx.options.idempotent].sort(), [...CALCULATOR_IDEMPOTENT].sort())
  const ex = calculator as unknown as Record<string, (...args: unknown[]) => unknown>
  for (const method of Object.keys(calculator)) {
    for (const args of [[1, 2], [6, 7], [-3, 0.5], [1, 0], [0, 0], ['1', 2], [1]]) {
      t.deepEqual(outcome(() => fx.impl[method](...args)), outcome(() => ex[method](...args)), `${method}(${JSON.stringify(args)})`)
    }
  }
})
