import { RpcError } from '../../src/errors.js'

/** The RpcError that `p` rejects with; throws if it resolves or rejects with anything else. */
export async function rejection (p: Promise<unknown>): Promise<RpcError> {
  try {
    await p
  } catch (err) {
    if (err instanceof RpcError) return err
    throw err
  }
  throw new Error('expected a rejection')
}
