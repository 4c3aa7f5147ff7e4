/**
 * Framing: every frame is a 4-byte big-endian unsigned length followed by that many bytes of body.
 */
import { MAX_FRAME_SIZE } from '../defaults.js'
import { RpcError } from '../errors.js'

export const FRAME_HEADER_BYTES = 4

/** Concatenates frame bodies into one chunk, each preceded by its length. One allocation, one copy per body. */
export function encodeFrames (bodies: readonly Uint8Array[]): Uint8Array {
  let total = 0
  for (const body of bodies) total += FRAME_HEADER_BYTES + body.byteLength
  const out = new Uint8Array(total)
  let pos = 0
  for (const body of bodies) {
    const len = body.byteLength
    out[pos] = len >>> 24
    out[pos + 1] = (len >>> 16) & 0xff
    out[pos + 2] = (len >>> 8) & 0xff
    out[pos + 3] = len & 0xff
    out.set(body, pos + FRAME_HEADER_BYTES)
    pos += FRAME_HEADER_BYTES + len
  }
  return out
}

export interface FrameDecoderOptions {
  /** Largest body accepted, in bytes. @default MAX_FRAME_SIZE (4 MiB) */
  maxFrameSize?: number
}

/**
 * Splits a byte stream into frame bodies, whatever the chunking: frames split across chunks and many frames in
 * one chunk. A length above `maxFrameSize` throws a PROTOCOL RpcError before any of that body is buffered.
 * Bytes of an incomplete frame are kept as a list of chunks and joined once, when the frame is complete.
 */
export class FrameDecoder {
  private readonly maxFrameSize: number
  private chunks: Uint8Array[] = []
  private buffered = 0

  constructor (options: FrameDecoderOptions = {}) {
    this.maxFrameSize = options.maxFrameSize ?? MAX_FRAME_SIZE
  }

  /** Bytes held for an incomplete frame. */
  get pendingBytes (): number {
    return this.buffered
  }

  push (chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = []
    let buf: Uint8Array
    if (this.buffered === 0) {
      buf = chunk
    } else {
      this.chunks.push(chunk)
      this.buffered += chunk.byteLength
      const needed = this.frameLength()
      if (needed === undefined || this.buffered < needed) return out
      buf = join(this.chunks, this.buffered)
      this.chunks = []
      this.buffered = 0
    }
    let pos = 0
    const end = buf.byteLength
    while (end - pos >= FRAME_HEADER_BYTES) {
      const len = readLength(buf, pos)
      if (len > this.maxFrameSize) throw oversize(len, this.maxFrameSize)
      const next = pos + FRAME_HEADER_BYTES + len
      if (next > end) break
      out.push(buf.subarray(pos + FRAME_HEADER_BYTES, next))
      pos = next
    }
    if (pos < end) {
      const rest = buf.subarray(pos)
      if (rest.byteLength >= FRAME_HEADER_BYTES) {
        const len = readLength(rest, 0)
        if (len > this.maxFrameSize) throw oversize(len, this.maxFrameSize)
      }
      // copy: the caller may reuse the chunk's memory once push returns
      this.chunks = [Uint8Array.prototype.slice.call(rest)] // a real copy, also when rest is a Buffer (whose slice is a view)
      this.buffered = rest.byteLength
    }
    return out
  }

  /** Total bytes (header + body) of the frame at the head of the buffered chunks, once its header is complete. */
  private frameLength (): number | undefined {
    if (this.buffered < FRAME_HEADER_BYTES) return undefined
    if (this.chunks[0].byteLength < FRAME_HEADER_BYTES) this.chunks = [join(this.chunks, this.buffered)]
    const len = readLength(this.chunks[0], 0)
    if (len > this.maxFrameSize) throw oversize(len, this.maxFrameSize)
    return FRAME_HEADER_BYTES + len
  }
}

function readLength (buf: Uint8Array, pos: number): number {
  return ((buf[pos] << 24) >>> 0) + (buf[pos + 1] << 16) + (buf[pos + 2] << 8) + buf[pos + 3]
}

function join (chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]
  const out = new Uint8Array(total)
  let pos = 0
  for (const c of chunks) {
    out.set(c, pos)
    pos += c.byteLength
  }
  return out
}

function oversize (len: number, max: number): RpcError {
  return new RpcError('PROTOCOL', `frame of ${len} bytes exceeds the limit of ${max} bytes`, { retryable: false })
}
