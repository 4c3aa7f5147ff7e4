/**
 * Bare libp2p server stream on the same stack as peercall (tcp + noise + yamux, `createBareNode`): the client opens
 * one long-lived stream, as a peercall session keeps one (so both run on a stream whose yamux window has grown),
 * and for each measured stream writes one request frame ([itemBytes, items, batchBytes] as three u32); the server
 * then writes `items` length-prefixed items (u32 big-endian length + bytes, peercall's framing) into the stream's
 * sink as fast as it takes them. With `batchBytes` 0 each item is one write (so one yamux
 * frame, one noise message); otherwise items are joined into writes of up to `batchBytes`. The client splits the
 * bytes back into items with peercall's FrameDecoder. No codec, no flow control above yamux's own window.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { pushable } from 'it-pushable'
import { encodeFrames, FrameDecoder } from '../wire.js'
import { createBareNode } from '../targets/libp2p-stack.js'
import { checkItem, makeItem, type StreamRequest, type StreamTarget } from './target.js'

const PROTOCOL = '/peercall-bench/items/1.0.0'
const REQUEST_BYTES = 12

function encodeRequest (r: StreamRequest): Uint8Array {
  const body = new Uint8Array(REQUEST_BYTES)
  const v = new DataView(body.buffer)
  v.setUint32(0, r.itemBytes)
  v.setUint32(4, r.items)
  v.setUint32(8, r.batchBytes)
  return encodeFrames([body])
}

function decodeRequest (body: Uint8Array): StreamRequest {
  if (body.byteLength !== REQUEST_BYTES) throw new Error(`bad request of ${body.byteLength} bytes`)
  const v = new DataView(body.buffer, body.byteOffset, body.byteLength)
  return { itemBytes: v.getUint32(0), items: v.getUint32(4), batchBytes: v.getUint32(8) }
}

/** The writes of one stream: each a run of whole framed items, at most `batchBytes` long (at least one item). */
function * writes ({ itemBytes, items, batchBytes }: StreamRequest): Generator<Uint8Array> {
  const framed = encodeFrames([makeItem(itemBytes)])
  const perWrite = Math.max(1, Math.floor(batchBytes / framed.byteLength))
  const full = perWrite === 1 ? framed : encodeFrames(Array.from({ length: perWrite }, () => makeItem(itemBytes)))
  let left = items
  while (left >= perWrite) {
    yield full
    left -= perWrite
  }
  if (left > 0) yield full.subarray(0, left * framed.byteLength)
}

/** The requests the client sends on its stream, as they arrive. */
async function * requests (source: AsyncIterable<{ subarray: () => Uint8Array }>): AsyncGenerator<StreamRequest> {
  const dec = new FrameDecoder()
  for await (const chunk of source) {
    for (const body of dec.push(chunk.subarray())) yield decodeRequest(body)
  }
}

export const target: StreamTarget = {
  async serve () {
    const node = await createBareNode()
    await node.handle(PROTOCOL, ({ stream }) => {
      // the sink pulls the next write only once yamux has taken the previous one: back-pressure, no queue
      stream.sink((async function * () {
        for await (const request of requests(stream.source)) yield * writes(request)
      })()).catch((err: Error) => { stream.abort(err) })
    })
    return { address: node.getMultiaddrs().map(String), close: async () => { await node.stop() } }
  },

  async connect (address) {
    const node = await createBareNode()
    const stream = await node.dialProtocol(multiaddr((address as string[])[0]), PROTOCOL)
    const out = pushable<Uint8Array>()
    stream.sink(out).catch(() => {})
    const source = stream.source[Symbol.asyncIterator]()
    const dec = new FrameDecoder()
    return {
      async read (request) {
        out.push(encodeRequest(request))
        let items = 0
        let bytes = 0
        while (items < request.items) {
          const next = await source.next()
          if (next.done === true) throw new Error(`stream ended after ${items} of ${request.items} items`)
          for (const item of dec.push(next.value.subarray())) {
            bytes += checkItem(item, request.itemBytes)
            items++
          }
        }
        if (items !== request.items || dec.pendingBytes !== 0) throw new Error(`read ${items} items and ${dec.pendingBytes} bytes more, asked for ${request.items}`)
        return { items, bytes }
      },
      close: async () => {
        out.end()
        await node.stop()
      }
    }
  }
}
