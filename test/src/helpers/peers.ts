/**
 * In-process peers on 127.0.0.1 for the interop suites, and the rejection of a call as an RpcError.
 */
import { createNode, RpcError } from '@peercall/core'
import { waitFor } from './wait.js'
import type { NodeOptions, PeercallNode } from '@peercall/core'
import type { ExecutionContext } from 'ava'

/** `n` peers of a fresh cluster (fast membership profile), each seeing every other alive; stopped at teardown. */
export async function peers (t: ExecutionContext, n: number, options: NodeOptions = {}): Promise<PeercallNode[]> {
  const cluster = `it-${Math.random().toString(36).slice(2, 8)}`
  const first = await createNode({ ...options, cluster, membership: { profile: 'fast' } })
  const nodes = [first]
  t.teardown(async () => { await Promise.all(nodes.map(async p => { await p.stop() })) })
  for (let i = 1; i < n; i++) nodes.push(await createNode({ ...options, cluster, bootstrap: [first.multiaddrs[0]], membership: { profile: 'fast' } }))
  // every peer knows every other (and its addresses) before the test calls one by id
  await waitFor(() => nodes.every(x => x.members().filter(m => !m.self && m.state === 'alive').length === n - 1), 15_000, 'a converged cluster')
  return nodes
}

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

/** Waits until `node` sees `service` on `count` live peers other than itself. */
export async function hosted (node: PeercallNode, service: string, count = 1): Promise<void> {
  await waitFor(() => node.members().filter(m => !m.self && m.state === 'alive' && m.services.includes(service)).length >= count, 15_000, `${service} on ${count} peer(s)`)
}
