/**
 * peercall itself: two nodes (`createNode`), the server registers Calculator, the client calls
 * `call('Calculator', 'add', [1, 2], { peer })` pinned to the server (no routing), over its one long-lived stream.
 */
import { createNode } from '@peercall/core'
import { ADD_ARGS, CALL_TIMEOUT_MS } from '../harness/defaults.js'
import { check, type Target } from './target.js'

export const target: Target = {
  async serve () {
    const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [] })
    node.register('Calculator', { add: (a: number, b: number) => a + b }, { idempotent: ['add'] })
    return {
      address: { peerId: node.peerId, multiaddrs: node.multiaddrs },
      close: async () => { await node.stop() }
    }
  },

  async connect (address) {
    const { peerId, multiaddrs } = address as { peerId: string, multiaddrs: string[] }
    const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: multiaddrs.slice(0, 1) })
    const args = [...ADD_ARGS]
    const opts = { peer: peerId, timeoutMs: CALL_TIMEOUT_MS }
    const call = async (): Promise<unknown> => await node.call('Calculator', 'add', args, opts)
    check('peercall add(1, 2)', await call(), 3)
    return { call, close: async () => { await node.stop() } }
  }
}
