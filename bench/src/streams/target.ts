/** The contract of each server-streaming system in `npm run bench:streams`: a server half and a client half. */

export interface StreamServed {
  /** JSON-serialisable; handed to the client's `connect`. */
  address: unknown
  close(): Promise<void>
}

/** What one measured stream asks the server for. */
export interface StreamRequest {
  /** Bytes per item. */
  itemBytes: number
  /** Items in the stream. */
  items: number
  /** Bare stream only: the server joins items into writes of up to this many bytes (0: one write per item). */
  batchBytes: number
}

/** What the client saw of one stream, counted as it read. */
export interface StreamRead {
  items: number
  /** Item bytes received (payload only, no framing). */
  bytes: number
}

export interface StreamConnected {
  /** Opens one server stream, reads it to its end, checks every item's size; resolves with what it read. */
  read(request: StreamRequest): Promise<StreamRead>
  close(): Promise<void>
}

export interface StreamTarget {
  serve(): Promise<StreamServed>
  connect(address: unknown): Promise<StreamConnected>
}

/** Throws unless the item is a byte array of the requested size, so no system is measured skipping work. */
export function checkItem (item: unknown, itemBytes: number): number {
  if (!(item instanceof Uint8Array) || item.byteLength !== itemBytes) {
    const got = item instanceof Uint8Array ? `${item.byteLength} bytes` : typeof item
    throw new Error(`stream item: expected ${itemBytes} bytes, got ${got}`)
  }
  return item.byteLength
}

/** The item every system sends: `itemBytes` bytes of 'a' (the content does not matter to any layer here). */
export function makeItem (itemBytes: number): Uint8Array {
  return new Uint8Array(itemBytes).fill(0x61)
}
