/**
 * Bare libp2p stream echo on the same stack as peercall (tcp + noise + yamux): one long-lived stream; the server
 * echoes the bytes, the client sends peercall-framed request bodies, coalesced per tick, and matches the echoed
 * frames by id. With 1 in flight this is a ping-pong, with 64 in flight a pipeline. The floor for any RPC on this
 * stack: no service lookup, no handler, no response encoding on the server.
 */
import { pipe } from 'it-pipe'
import { pushable } from 'it-pushable'
import { multiaddr } from '@multiformats/multiaddr'
import { Coalescer } from '../harness/coalesce.js'
import { Pending } from '../harness/rpc-table.js'
import { addRequest, codec, FrameDecoder } from '../wire.js'
import { createBareNode } from './libp2p-stack.js'
import { check, type Target } from './target.js'

const PROTOCOL = '/peercall-bench/echo/1.0.0'

export const target: Target = {
  async serve () {
    const node = await createBareNode()
    await node.handle(PROTOCOL, ({ stream }) => {
      pipe(stream, stream).catch(() => { stream.abort(new Error('echo failed')) })
    })
    return { address: node.getMultiaddrs().map(String), close: async () => { await node.stop() } }
  },

  async connect (address) {
    const [addr] = address as string[]
    const node = await createBareNode()
    const stream = await node.dialProtocol(multiaddr(addr), PROTOCOL)
    const sink = pushable<Uint8Array>()
    const out = new Coalescer((chunk) => sink.push(chunk))
    const pending = new Pending()
    const dec = new FrameDecoder()
    stream.sink(sink).catch(() => {})
    void (async () => {
      for await (const chunk of stream.source) {
        for (const body of dec.push(chunk.subarray())) {
          const [, id] = codec.decode(body) as [number, number]
          pending.settle(id, id)
        }
      }
    })().catch(() => {}).finally(() => pending.failAll(new Error('stream closed')))
    const call = (): Promise<unknown> => {
      const { id, promise } = pending.open()
      out.push(addRequest(id))
      return promise
    }
    const first = await call()
    check('libp2p echo id', typeof first, 'number')
    return {
      call,
      close: async () => {
        sink.end()
        await node.stop()
      }
    }
  }
}
