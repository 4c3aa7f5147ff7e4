/**
 * Bare libp2p stream echo on the same stack as peercall (tcp + noise + yamux): one long-lived stream per server;
 * the server echoes the bytes, the client sends peercall-framed `Echo.echo(payload)` request bodies, coalesced per
 * tick, round-robin over the servers' streams, and matches the echoed frames by id. With 1 in flight this is a
 * ping-pong, with more a pipeline. The floor for any RPC on this stack: no service lookup, no handler, no
 * response encoding on the server.
 */
import { pipe } from 'it-pipe'
import { pushable, type Pushable } from 'it-pushable'
import { multiaddr } from '@multiformats/multiaddr'
import { Coalescer } from '../harness/coalesce.js'
import { Pending } from '../harness/rpc-table.js'
import { makePayload } from '../payload.js'
import { codec, echoRequest, FrameDecoder } from '../wire.js'
import { createBareNode } from './libp2p-stack.js'
import { check, roundRobin, type Target } from './target.js'

const PROTOCOL = '/peercall-bench/echo/1.0.0'

export const target: Target = {
  async serve () {
    const node = await createBareNode()
    await node.handle(PROTOCOL, ({ stream }) => {
      pipe(stream, stream).catch(() => { stream.abort(new Error('echo failed')) })
    })
    return { address: node.getMultiaddrs().map(String), close: async () => { await node.stop() } }
  },

  async connect (addresses) {
    const node = await createBareNode()
    const pending = new Pending()
    const sinks: Array<{ sink: Pushable<Uint8Array>, out: Coalescer }> = []
    for (const address of addresses as string[][]) {
      const stream = await node.dialProtocol(multiaddr(address[0]), PROTOCOL)
      const sink = pushable<Uint8Array>()
      const dec = new FrameDecoder()
      stream.sink(sink).catch(() => {})
      void (async () => {
        for await (const chunk of stream.source) {
          for (const body of dec.push(chunk.subarray())) {
            const [, id, , , args] = codec.decode(body) as [number, number, string, string, [string]]
            pending.settle(id, args[0])
          }
        }
      })().catch(() => {}).finally(() => pending.failAll(new Error('stream closed')))
      sinks.push({ sink, out: new Coalescer((chunk) => sink.push(chunk)) })
    }
    const next = roundRobin(sinks)
    const call = (payload: string): Promise<unknown> => {
      const { id, promise } = pending.open()
      next().out.push(echoRequest(id, payload))
      return promise
    }
    const probe = makePayload(16)
    check('libp2p echo', await call(probe), probe)
    return {
      call,
      close: async () => {
        for (const s of sinks) s.sink.end()
        await node.stop()
      }
    }
  }
}
