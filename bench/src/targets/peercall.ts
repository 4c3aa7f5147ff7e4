/**
 * peercall, the whole routed path: the client peer bootstraps from every serving peer, waits until its
 * membership view shows all of them alive and hosting Echo, then calls `call('Echo', 'echo', [payload])` with no
 * `peer`: membership and the balancer (power-of-two-choices, the default) choose the peer of each call.
 */
import { createNode } from '@peercall/core'
import { CALL_TIMEOUT_MS, DISCOVERY_POLL_MS, DISCOVERY_TIMEOUT_MS } from '../harness/defaults.js'
import { makePayload } from '../payload.js'
import { ECHO_METHOD, ECHO_SERVICE } from '../echo.js'
import { dialAddress, servePeercall, type PeercallAddress } from './peercall-server.js'
import { check, waitUntil, type Target } from './target.js'

export const target: Target = {
  serve: servePeercall,

  async connect (addresses) {
    const peers = addresses as PeercallAddress[]
    const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: peers.map(dialAddress) })
    const wanted = new Set(peers.map((p) => p.peerId))
    const hosting = (): number => node.members().filter((m) => !m.self && m.state === 'alive' && wanted.has(m.peerId) && m.services.includes(ECHO_SERVICE)).length
    await waitUntil(`membership to show ${wanted.size} peer(s) hosting ${ECHO_SERVICE}`, () => hosting() === wanted.size, DISCOVERY_TIMEOUT_MS, DISCOVERY_POLL_MS)
    const opts = { timeoutMs: CALL_TIMEOUT_MS }
    const call = (payload: string): Promise<unknown> => node.call(ECHO_SERVICE, ECHO_METHOD, [payload], opts)
    const probe = makePayload(16)
    check('peercall routed echo', await call(probe), probe)
    return { call, close: async () => { await node.stop() } }
  }
}
