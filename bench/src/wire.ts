/**
 * The wire format used by the raw `node:net` RPC and the bare libp2p echo: peercall's framing and codec
 * (u32 big-endian length + msgpackr body). Provisional local copy until @peercall/core exports its own.
 */
import { Packr } from 'msgpackr'

const packr = new Packr({ useRecords: false })

export const codec = {
  encode: (value: unknown): Uint8Array => packr.pack(value),
  decode: (bytes: Uint8Array): unknown => packr.unpack(bytes)
}

/** Frame type tags (issue 2): request and response. */
export const FRAME_REQUEST = 1
export const FRAME_RESPONSE = 2

/** One chunk holding each body behind its u32 BE length. */
export function encodeFrames (bodies: Uint8Array[]): Uint8Array {
  let n = 0
  for (const b of bodies) n += 4 + b.byteLength
  const out = new Uint8Array(n)
  const dv = new DataView(out.buffer)
  let o = 0
  for (const b of bodies) {
    dv.setUint32(o, b.byteLength)
    out.set(b, o + 4)
    o += 4 + b.byteLength
  }
  return out
}

/** Maximum frame size, in bytes: peercall's default (issue 2: 4 MiB). */
const MAX_FRAME_SIZE = 4 * 1024 * 1024

/** Reassembles frames from chunks that may split or merge them. */
export class FrameDecoder {
  #buf: Uint8Array = new Uint8Array(0)
  readonly #max: number
  constructor (opts: { maxFrameSize?: number } = {}) { this.#max = opts.maxFrameSize ?? MAX_FRAME_SIZE }

  push (chunk: Uint8Array): Uint8Array[] {
    let buf = chunk
    if (this.#buf.byteLength > 0) {
      buf = new Uint8Array(this.#buf.byteLength + chunk.byteLength)
      buf.set(this.#buf, 0)
      buf.set(chunk, this.#buf.byteLength)
    }
    const out: Uint8Array[] = []
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
    let o = 0
    while (buf.byteLength - o >= 4) {
      const len = dv.getUint32(o)
      if (len > this.#max) throw new Error(`frame of ${len} bytes exceeds ${this.#max}`)
      if (buf.byteLength - o - 4 < len) break
      out.push(buf.subarray(o + 4, o + 4 + len))
      o += 4 + len
    }
    this.#buf = o === buf.byteLength ? new Uint8Array(0) : buf.slice(o)
    return out
  }
}
