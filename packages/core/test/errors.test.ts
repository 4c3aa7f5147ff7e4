import test from 'ava'
import { RpcError, RPC_ERROR_CODES, describeThrown } from '../src/errors.js'

const table: Array<[string, boolean, boolean]> = [
  // code, retryable, mayHaveExecuted by default
  ['UNAVAILABLE', true, false],
  ['DEADLINE_EXCEEDED', true, false],
  ['OVERLOADED', true, false],
  ['PROTOCOL', true, false],
  ['CANCELLED', false, false],
  ['NOT_FOUND', false, false],
  ['INVALID_ARGUMENT', false, false],
  ['PERMISSION_DENIED', false, false],
  ['INTERNAL', false, true],
  ['REMOTE', false, true]
]

for (const [code, retryable, executed] of table) {
  test(`${code}: retryable ${String(retryable)}, mayHaveExecuted ${String(executed)} by default`, t => {
    const e = new RpcError(code as any, 'x')
    t.is(e.retryable, retryable)
    t.is(e.mayHaveExecuted, executed)
    t.true(e instanceof Error)
  })
}

test('every code is in the table', t => {
  t.deepEqual([...RPC_ERROR_CODES].sort(), table.map(r => r[0]).sort())
})

test('a REMOTE error keeps the remote name, message and data', t => {
  const e = new RpcError('REMOTE', 'division by zero', { remoteName: 'RangeError', data: { a: 1 }, peer: 'p' })
  t.is(e.name, 'RangeError')
  t.is(e.remoteName, 'RangeError')
  t.is(e.message, 'division by zero')
  t.deepEqual(e.data, { a: 1 })
  t.is(e.peer, 'p')
  t.is(JSON.parse(JSON.stringify(e)).code, 'REMOTE')
})

test('with() overrides routing facts and keeps the rest', t => {
  const e = new RpcError('UNAVAILABLE', 'gone', { peer: 'a', mayHaveExecuted: false }).with({ mayHaveExecuted: true, service: 'S' })
  t.is(e.code, 'UNAVAILABLE')
  t.is(e.peer, 'a')
  t.true(e.mayHaveExecuted)
  t.is(e.service, 'S')
})

test('describeThrown takes data from error.data or the own properties', t => {
  class QuotaError extends Error {
    constructor (readonly limit: number) { super('over quota'); this.name = 'QuotaError' }
  }
  t.deepEqual(describeThrown(new QuotaError(5)), { name: 'QuotaError', message: 'over quota', data: { limit: 5 } })
  const withData = Object.assign(new TypeError('bad'), { data: [1, 2] })
  t.deepEqual(describeThrown(withData), { name: 'TypeError', message: 'bad', data: [1, 2] })
  t.deepEqual(describeThrown('plain string'), { name: 'Error', message: 'plain string', data: undefined })
})
