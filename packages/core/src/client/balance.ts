/**
 * The `balance` option of a call, checked at the caller: an unknown strategy is refused as INVALID_ARGUMENT
 * (nothing sent) instead of failing deep in the balancer.
 */
import { RpcError } from '../errors.js'

/** The strategies a call may name (`CallOptions.balance`). */
export const BALANCES = ['p2c', 'hash', 'round-robin', 'local-first'] as const

/** The error for a `balance` that is not one of BALANCES; undefined when it is one, or absent. */
export function balanceError (service: string, method: string, balance: unknown): RpcError | undefined {
  if (balance === undefined || (BALANCES as readonly unknown[]).includes(balance)) return undefined
  return new RpcError('INVALID_ARGUMENT', `${service}.${method}: balance must be one of ${BALANCES.join(', ')}, not ${JSON.stringify(balance)}`, { service, method, mayHaveExecuted: false })
}
