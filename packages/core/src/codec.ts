/**
 * The value codec: MessagePack through msgpackr, chosen by measurement (docs/codec.md).
 *
 * Round-trips JSON values, Uint8Array, bigint (int64, or msgpackr's big-integer extension past 64 bits), Date
 * (MessagePack timestamp), undefined, Set and Map. MessagePack maps decode as plain objects, so a JS Map is sent
 * as extension type 1 wrapping an array of [key, value] pairs.
 */
import { Packr, addExtension } from 'msgpackr'

/** MessagePack extension type of a JS Map: its payload is the array of its [key, value] entries. */
export const MAP_EXTENSION_TYPE = 1

class MapBox {
  constructor (readonly entries: unknown[]) {}
}

addExtension({
  Class: MapBox,
  type: MAP_EXTENSION_TYPE,
  write: (box: MapBox) => box.entries,
  read: (entries: unknown) => {
    if (!Array.isArray(entries)) throw new TypeError('map extension: payload is not an array of entries')
    return new Map(entries.map(entry => {
      if (!Array.isArray(entry) || entry.length !== 2) throw new TypeError('map extension: entry is not a pair')
      return entry as [unknown, unknown]
    }))
  }
})

const packr = new Packr({
  useRecords: false, // plain MessagePack maps, readable by any MessagePack implementation
  moreTypes: true, // Set, typed arrays, Error
  useBigIntExtension: true, // bigints past 64 bits
  copyBuffers: true // a decoded Uint8Array does not pin the whole received chunk
})

/**
 * Replaces every Map inside `value` by a MapBox, copying only the containers on the way to one (most values
 * contain no Map and are returned as they are).
 */
function box (value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) {
    let out: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const item = value[i]
      const boxed = box(item)
      if (boxed !== item) {
        out ??= value.slice()
        out[i] = boxed
      }
    }
    return out ?? value
  }
  if (value instanceof Map) {
    const entries: unknown[] = []
    for (const [k, v] of value) entries.push([box(k), box(v)])
    return new MapBox(entries)
  }
  if (value instanceof Set) {
    let changed = false
    const items: unknown[] = []
    for (const item of value) {
      const boxed = box(item)
      if (boxed !== item) changed = true
      items.push(boxed)
    }
    return changed ? new Set(items) : value
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return value // Date, Uint8Array, class instances
  let out: Record<string, unknown> | undefined
  const record = value as Record<string, unknown>
  for (const key in record) {
    const item = record[key]
    const boxed = box(item)
    if (boxed !== item) {
      out ??= { ...record }
      out[key] = boxed
    }
  }
  return out ?? value
}

export interface Codec {
  encode(value: unknown): Uint8Array
  decode(bytes: Uint8Array): unknown
}

export const codec: Codec = {
  encode (value: unknown): Uint8Array {
    return packr.pack(box(value))
  },
  decode (bytes: Uint8Array): unknown {
    return packr.unpack(bytes)
  }
}

/** Largest body decoded through the scratch buffer (larger ones are decoded where they are), bytes. */
const SCRATCH_BYTES = 16 * 1024
const scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES)
let scratchBusy = false

/**
 * `codec.decode` for a short-lived view (a frame body cut from a received chunk): the bytes are copied into one
 * reused buffer first, so msgpackr's per-source set-up (a DataView kept on the source) is made once, not per
 * body. Decoded values never point into the scratch buffer (`copyBuffers`).
 */
export function decodeView (bytes: Uint8Array): unknown {
  const n = bytes.byteLength
  if (n > SCRATCH_BYTES || scratchBusy) return packr.unpack(bytes)
  scratchBusy = true
  try {
    scratch.set(bytes)
    return packr.unpack(scratch, n)
  } finally {
    scratchBusy = false
  }
}

/**
 * Whether `value` nests arrays, objects, maps or sets deeper than `maxDepth` (a scalar has depth 0, `[1]` depth 1).
 * Iterative, so hostile input cannot overflow the stack here.
 */
export function exceedsDepth (value: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]]
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number]
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || v instanceof Date) continue
    if (depth + 1 > maxDepth) return true
    if (Array.isArray(v)) {
      for (const item of v) if (typeof item === 'object' && item !== null) stack.push([item, depth + 1])
    } else if (v instanceof Map) {
      for (const [k, item] of v) {
        if (typeof k === 'object' && k !== null) stack.push([k, depth + 1])
        if (typeof item === 'object' && item !== null) stack.push([item, depth + 1])
      }
    } else if (v instanceof Set) {
      for (const item of v) if (typeof item === 'object' && item !== null) stack.push([item, depth + 1])
    } else {
      for (const key in v as Record<string, unknown>) {
        const item = (v as Record<string, unknown>)[key]
        if (typeof item === 'object' && item !== null) stack.push([item, depth + 1])
      }
    }
  }
  return false
}
