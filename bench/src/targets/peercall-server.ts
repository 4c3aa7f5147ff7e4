/**
 * The peercall serving peer shared by the routed and pinned targets: `createNode` on 127.0.0.1 registering
 * `Echo.echo` (not declared idempotent: no hedging or retries, like the other systems); servers after the first
 * join the first one's cluster.
 */
import { createNode } from '@peercall/core'
import { ECHO_METHOD, ECHO_SERVICE } from '../echo.js'
import type { ServeOptions, Served } from './target.js'

export interface PeercallAddress { peerId: string, multiaddrs: string[] }

/** The multiaddr (with /p2p/<id>) to dial a peer by. */
export function dialAddress (a: PeercallAddress): string {
  const ma = a.multiaddrs[0]
  if (ma === undefined) throw new Error(`peer ${a.peerId} has no address`)
  return ma
}

export async function servePeercall (options: ServeOptions): Promise<Served> {
  const join = options.join as PeercallAddress | undefined
  const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: join === undefined ? [] : [dialAddress(join)] })
  node.register(ECHO_SERVICE, { [ECHO_METHOD]: (payload: string) => payload })
  const address: PeercallAddress = { peerId: node.peerId, multiaddrs: node.multiaddrs }
  return { address, close: async () => { await node.stop() } }
}
