/**
 * Stable 32-bit string hashes for the ring. Both hash the UTF-8 bytes of the string, so the values match the
 * reference C implementations and every peer (whatever its platform) places the same key on the same point.
 * ASCII strings (peer ids, most keys) take a fast path over `charCodeAt` without encoding.
 *
 * `murmur3` (MurmurHash3 x86_32, Austin Appleby, public domain) is the ring's hash: chosen by measurement against
 * FNV-1a and xxHash32/xxh3 (see docs/balancing.md, "Choosing the hash").
 */

const encoder = new TextEncoder()

/** MurmurHash3 x86_32 of the UTF-8 bytes of `key`, as an unsigned 32-bit integer. */
export function murmur3 (key: string, seed = 0): number {
  const len = key.length
  let h = seed | 0
  const end = len & ~3
  let i = 0
  for (; i < end; i += 4) {
    const c0 = key.charCodeAt(i)
    const c1 = key.charCodeAt(i + 1)
    const c2 = key.charCodeAt(i + 2)
    const c3 = key.charCodeAt(i + 3)
    if ((c0 | c1 | c2 | c3) > 127) return murmur3Bytes(encoder.encode(key), seed)
    let k = c0 | (c1 << 8) | (c2 << 16) | (c3 << 24)
    k = Math.imul(k, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, 0x1b873593)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  const rest = len & 3
  if (rest !== 0) {
    let k = 0
    for (let j = rest - 1; j >= 0; j--) {
      const c = key.charCodeAt(i + j)
      if (c > 127) return murmur3Bytes(encoder.encode(key), seed)
      k |= c << (8 * j)
    }
    k = Math.imul(k, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, 0x1b873593)
    h ^= k
  }
  h ^= len
  return fmix32(h)
}

/** MurmurHash3 x86_32 of raw bytes. */
export function murmur3Bytes (bytes: Uint8Array, seed = 0): number {
  const len = bytes.length
  let h = seed | 0
  const end = len & ~3
  let i = 0
  for (; i < end; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)
    k = Math.imul(k, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, 0x1b873593)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  const rest = len & 3
  if (rest !== 0) {
    let k = 0
    for (let j = rest - 1; j >= 0; j--) k |= bytes[i + j] << (8 * j)
    k = Math.imul(k, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, 0x1b873593)
    h ^= k
  }
  h ^= len
  return fmix32(h)
}

/** MurmurHash3's finaliser: a bijective avalanche mix of 32 bits. */
export function fmix32 (h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** FNV-1a 32-bit of the UTF-8 bytes of `key` (measured as a candidate; not used by the ring). */
export function fnv1a32 (key: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    if (c > 127) return fnv1a32Bytes(encoder.encode(key))
    h ^= c
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** FNV-1a 32-bit of raw bytes. */
export function fnv1a32Bytes (bytes: Uint8Array): number {
  let h = 0x811c9dc5
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** The hash the ring uses for keys and virtual-node points. */
export const ringHash: (key: string) => number = (key) => murmur3(key, 0)
