/**
 * Framing of the membership stream (`/peercall/membership/2.0.0`): every frame is an unsigned varint (LEB128, as
 * in multistream-select and `it-length-prefixed`) holding the body's length, followed by the body, one msgpack
 * envelope (`codec.ts`). Pure functions and a decoder that accepts any chunking of the byte stream.
 */

/** Longest varint accepted, in bytes: 5 bytes hold 35 bits, more than any frame limit (4 MiB needs 4). */
export const MAX_VARINT_BYTES = 5

/** Encoded length of `n` as an unsigned varint. */
export function varintLength (n: number): number {
  let len = 1
  while (n >= 0x80) { n = Math.floor(n / 128); len++ }
  return len
}

/** Writes `n` (a non-negative safe integer) as an unsigned varint at `buf[pos]`; returns the position after it. */
export function writeVarint (n: number, buf: Uint8Array, pos: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80
    n = Math.floor(n / 128)
  }
  buf[pos++] = n
  return pos
}

/**
 * Reads an unsigned varint at `buf[pos]`: its value and byte length, or undefined when `buf` ends before its last
 * byte. Throws when it is longer than MAX_VARINT_BYTES.
 */
export function readVarint (buf: Uint8Array, pos: number): { value: number, bytes: number } | undefined {
  let value = 0
  let mult = 1
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (pos + i >= buf.byteLength) return undefined
    const b = buf[pos + i]
    value += (b & 0x7f) * mult
    if (b < 0x80) return { value, bytes: i + 1 }
    mult *= 128
  }
  throw new Error(`frame length prefix longer than ${MAX_VARINT_BYTES} bytes`)
}

/** One chunk holding every body, each preceded by its varint length. One allocation, one copy per body. */
export function encodeFrames (bodies: readonly Uint8Array[]): Uint8Array {
  let total = 0
  for (const b of bodies) total += varintLength(b.byteLength) + b.byteLength
  const out = new Uint8Array(total)
  let pos = 0
  for (const b of bodies) {
    pos = writeVarint(b.byteLength, out, pos)
    out.set(b, pos)
    pos += b.byteLength
  }
  return out
}

/** Encoded size of one frame of `bodyBytes`. */
export function frameBytes (bodyBytes: number): number {
  return varintLength(bodyBytes) + bodyBytes
}

/**
 * Splits a byte stream into frame bodies, whatever the chunking: a frame split across chunks, several frames in one
 * chunk. A length above `maxFrameBytes` or a malformed prefix throws before the body is buffered; the caller then
 * aborts the stream. Bodies are views of the pushed chunks (or of one joined copy), valid until the next push.
 */
export class FrameDecoder {
  private chunks: Uint8Array[] = []
  private buffered = 0
  /** total size of the frame being buffered, once its prefix is known */
  private needed: number | undefined

  constructor (private readonly maxFrameBytes: number) {}

  /** Bytes held for an incomplete frame (non-zero at the end of the stream: the last frame was truncated). */
  get pendingBytes (): number { return this.buffered }

  push (chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = []
    let buf: Uint8Array
    if (this.buffered === 0) {
      buf = chunk
    } else {
      this.chunks.push(chunk)
      this.buffered += chunk.byteLength
      if (this.needed === undefined) {
        // the prefix itself was split: join the few bytes held so far and read it again
        this.chunks = [join(this.chunks, this.buffered)]
        this.needed = this.frameAt(this.chunks[0], 0)?.end
      }
      if (this.needed === undefined || this.buffered < this.needed) return out
      buf = join(this.chunks, this.buffered)
      this.chunks = []
      this.buffered = 0
      this.needed = undefined
    }
    let pos = 0
    while (pos < buf.byteLength) {
      const f = this.frameAt(buf, pos)
      if (f === undefined || f.end > buf.byteLength) { this.needed = f === undefined ? undefined : f.end - pos; break }
      out.push(buf.subarray(f.start, f.end))
      pos = f.end
    }
    if (pos < buf.byteLength) {
      // a real copy: the caller may reuse the chunk's memory once push returns
      this.chunks = [Uint8Array.prototype.slice.call(buf, pos)]
      this.buffered = buf.byteLength - pos
    }
    return out
  }

  /** Where the body of the frame at `pos` starts and ends, once its prefix is complete; throws on a bad prefix. */
  private frameAt (buf: Uint8Array, pos: number): { start: number, end: number } | undefined {
    const v = readVarint(buf, pos)
    if (v === undefined) return undefined
    if (v.value > this.maxFrameBytes) throw new Error(`frame of ${v.value} bytes exceeds the limit of ${this.maxFrameBytes} bytes`)
    return { start: pos + v.bytes, end: pos + v.bytes + v.value }
  }
}

function join (chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]
  const out = new Uint8Array(total)
  let pos = 0
  for (const c of chunks) { out.set(c, pos); pos += c.byteLength }
  return out
}
