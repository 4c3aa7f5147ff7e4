/**
 * peercall pinned: the client calls `call('Echo', 'echo', [payload], { peer })` pinned to
 * the one server, with no routing (membership and balancer out of the call path). One server only.
 */
import { createNode } from '@peercall/core'
import { CALL_TIMEOUT_MS } from '../harness/defaults.js'
import { makePayload } from '../payload.js'
import { ECHO_METHOD, ECHO_SERVICE } from '../echo.js'
import { dialAddress, servePeercall, type PeercallAddress } from './peercall-server.js'
import { check, type Target } from './target.js'

export const target: Target = {
  serve: servePeercall,

  async connect (addresses) {
    const [server] = addresses as PeercallAddress[]
    if (server === undefined || addresses.length !== 1) throw new Error('peercall-pinned: exactly one server')
    const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [dialAddress(server)] })
    const opts = { peer: server.peerId, timeoutMs: CALL_TIMEOUT_MS }
    const call = (payload: string): Promise<unknown> => node.call(ECHO_SERVICE, ECHO_METHOD, [payload], opts)
    const probe = makePayload(16)
    check('peercall pinned echo', await call(probe), probe)
    return { call, close: async () => { await node.stop() } }
  }
}
