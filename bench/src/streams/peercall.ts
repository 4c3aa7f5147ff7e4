/**
 * peercall server streaming: the server registers `Bench.items(itemBytes, items)`, an async generator yielding
 * `items` byte arrays of `itemBytes`; the client pins the call to the server (`peer`, no routing: a routed stream
 * picks its peer once anyway) and iterates `node.stream(...)`. Items travel as ITEM frames (msgpackr bin), with
 * the protocol's credit-based flow control (window 16 items).
 */
import { createNode } from '@peercall/core'
import { STREAM_TIMEOUT_MS } from '../harness/defaults.js'
import { dialAddress, type PeercallAddress } from '../targets/peercall-server.js'
import { checkItem, makeItem, type StreamTarget } from './target.js'

export const STREAM_SERVICE = 'Bench'
export const STREAM_METHOD = 'items'

export const target: StreamTarget = {
  async serve () {
    const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    node.register(STREAM_SERVICE, {
      async * [STREAM_METHOD] (itemBytes: number, items: number) {
        const item = makeItem(itemBytes)
        for (let i = 0; i < items; i++) yield item
      }
    })
    const address: PeercallAddress = { peerId: node.peerId, multiaddrs: node.multiaddrs }
    return { address, close: async () => { await node.stop() } }
  },

  async connect (address) {
    const peer = dialAddress(address as PeercallAddress)
    const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    return {
      async read ({ itemBytes, items }) {
        let n = 0
        let bytes = 0
        for await (const item of node.stream(STREAM_SERVICE, STREAM_METHOD, [itemBytes, items], { peer, timeoutMs: STREAM_TIMEOUT_MS })) {
          bytes += checkItem(item, itemBytes)
          n++
        }
        return { items: n, bytes }
      },
      close: async () => { await node.stop() }
    }
  }
}
