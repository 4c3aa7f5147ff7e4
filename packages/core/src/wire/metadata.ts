/**
 * Call metadata: string headers that travel with a request (`meta`) and trailers that come back with its answer.
 * Bounded in count and bytes so that neither side can make the other hold unbounded metadata.
 */

/** Largest number of entries in one call's headers or trailers (gRPC servers commonly allow about 100 headers). */
export const MAX_META_ENTRIES = 64
/** Largest total size of one call's headers or trailers, keys and values, in UTF-16 code units (gRPC's default metadata limit is 8 KiB). */
export const MAX_META_BYTES = 8 * 1024

export type Metadata = Readonly<Record<string, string>>

/** An empty metadata object, shared (it is frozen). */
export const NO_META: Metadata = Object.freeze({})

/**
 * Why `value` is not valid metadata (a plain object of at most MAX_META_ENTRIES non-empty string keys with string
 * values, at most MAX_META_BYTES in all), or undefined when it is.
 */
export function metadataProblem (value: unknown, maxEntries = MAX_META_ENTRIES, maxBytes = MAX_META_BYTES): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'metadata must be an object of strings'
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return 'metadata must be a plain object of strings'
  let entries = 0
  let bytes = 0
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key]
    if (key.length === 0) return 'metadata keys must be non-empty'
    if (typeof v !== 'string') return `metadata value of ${JSON.stringify(key.slice(0, 64))} is not a string`
    entries++
    bytes += key.length + v.length
    if (entries > maxEntries) return `metadata has more than ${maxEntries} entries`
    if (bytes > maxBytes) return `metadata exceeds ${maxBytes} bytes`
  }
  return undefined
}

/** A frozen copy of valid metadata, without prototype (so `meta.constructor` is undefined, not Object). */
export function freezeMetadata (value: Record<string, string>): Metadata {
  const out: Record<string, string> = Object.create(null)
  for (const key of Object.keys(value)) out[key] = value[key]
  return Object.freeze(out)
}
