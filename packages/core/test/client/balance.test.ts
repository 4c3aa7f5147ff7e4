/** The `balance` option: known strategies pass, anything else is INVALID_ARGUMENT at the caller (nothing sent). */
import test from 'ava'
import { createNode, RpcError } from '../../src/index.js'
import { BALANCES, balanceError } from '../../src/client/balance.js'

test('balanceError: known strategies and absence pass; others are named in the error', t => {
  for (const b of [undefined, ...BALANCES]) t.is(balanceError('S', 'm', b), undefined)
  const err = balanceError('Calculator', 'multiply', 'bogus')
  t.is(err?.code, 'INVALID_ARGUMENT')
  t.is(err?.message, 'Calculator.multiply: balance must be one of p2c, hash, round-robin, local-first, not "bogus"')
  t.false(err?.mayHaveExecuted)
})

test('node.call refuses an unknown balance with INVALID_ARGUMENT, not a TypeError', async t => {
  t.timeout(20_000)
  const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
  t.teardown(async () => { await node.stop() })
  node.register('Calculator', { multiply: (a: number, b: number) => a * b })
  const err = await t.throwsAsync(node.call('Calculator', 'multiply', [2, 3], { balance: 'bogus' as never }))
  t.true(err instanceof RpcError)
  t.is((err as RpcError).code, 'INVALID_ARGUMENT')
  t.is(await node.call('Calculator', 'multiply', [2, 3], { balance: 'round-robin' }), 6)
})
