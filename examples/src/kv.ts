/**
 * The example key-value service: an in-memory map per peer. Values are any codec value.
 */
export interface KeyValue {
  get(key: string): Promise<unknown>
  put(key: string, value: unknown): Promise<void>
  delete(key: string): Promise<boolean>
  size(): Promise<number>
}

export class KeyValueStore {
  private readonly data = new Map<string, unknown>()

  get (key: string): unknown {
    return this.data.get(key)
  }

  put (key: string, value: unknown): void {
    if (typeof key !== 'string') throw new TypeError('key must be a string')
    this.data.set(key, value)
  }

  delete (key: string): boolean {
    return this.data.delete(key)
  }

  size (): number {
    return this.data.size
  }
}

/** Reads and deletes are idempotent; a put of the same value is too. */
export const KV_IDEMPOTENT = ['get', 'put', 'delete', 'size']
