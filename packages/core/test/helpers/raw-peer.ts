/**
 * A hostile peer for tests: a bare libp2p node (the same stack as a peercall node, no peercall logic on top) that
 * speaks the RPC protocol or gossipsub by hand, and heap measurement with forced garbage collection.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { peerIdFromString } from '@libp2p/peer-id'
import { createPeerLibp2p } from '../../src/libp2p.js'
import { RPC_PROTOCOL } from '../../src/defaults.js'
import { codec } from '../../src/codec.js'
import { FrameDecoder, encodeFrames } from '../../src/wire/framing.js'
import type { Libp2p, PubSub, Stream } from '@libp2p/interface'

export type RawPeer = Libp2p<{ pubsub: PubSub }>

export async function rawPeer (t: { teardown: (fn: () => Promise<void>) => void }): Promise<RawPeer> {
  const node = await createPeerLibp2p({ listen: ['/ip4/127.0.0.1/tcp/0'] })
  t.teardown(async () => { await Promise.resolve(node.stop()).catch(() => {}) })
  return node
}

/** Opens a raw RPC stream to `peer` (a peer id; the raw peer must know its address, e.g. after a dial). */
export async function rpcStream (raw: RawPeer, peer: string): Promise<Stream> {
  return await raw.dialProtocol(peerIdFromString(peer), RPC_PROTOCOL, { negotiateFully: true, signal: AbortSignal.timeout(5000) })
}

/** A REQUEST frame body. */
export function request (id: number, service: string, method: string, args: unknown[], timeoutMs = 0): Uint8Array {
  return codec.encode([1, id, service, method, args, timeoutMs, Date.now(), 0])
}

export { encodeFrames }

/** Reads frames from `stream` until it ends, is reset, or `until` says stop; resolves with the decoded frames and how it ended. */
export async function readFrames (stream: Stream, until: (frames: unknown[][]) => boolean, timeoutMs: number): Promise<{ frames: unknown[][], end: 'ended' | 'reset' | 'enough' | 'timeout' }> {
  const frames: unknown[][] = []
  const decoder = new FrameDecoder()
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<'timeout'>(resolve => { timer = setTimeout(() => { resolve('timeout') }, timeoutMs) })
  const reading = (async (): Promise<'ended' | 'reset' | 'enough'> => {
    try {
      for await (const chunk of stream.source) {
        for (const body of decoder.push(chunk.subarray())) frames.push(codec.decode(body) as unknown[])
        if (until(frames)) return 'enough'
      }
      return 'ended'
    } catch {
      return 'reset'
    }
  })()
  const end = await Promise.race([reading, timeout])
  clearTimeout(timer)
  return { frames, end }
}

let gcFn: (() => void) | undefined

/** Heap in use after a full garbage collection, bytes. */
export async function settledHeap (): Promise<number> {
  if (gcFn === undefined) {
    setFlagsFromString('--expose-gc')
    gcFn = runInNewContext('gc') as () => void
  }
  for (let i = 0; i < 3; i++) {
    gcFn()
    await new Promise(resolve => setImmediate(resolve))
  }
  return process.memoryUsage().heapUsed
}
