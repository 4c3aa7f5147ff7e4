/** Representative RPC messages (the bench brief): what a peercall stream carries. */

export interface Message {
  name: string
  value: unknown
}

/** Deterministic pseudo-random bytes (xorshift32), so every run encodes the same payload. */
function bytes (n: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed >>> 0
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    out[i] = x & 0xff
  }
  return out
}

/** A record of about 1 KiB as JSON: strings, numbers, booleans, nulls, nested objects and arrays. */
function kibObject (): Record<string, unknown> {
  const items = Array.from({ length: 11 }, (_, i) => ({ sku: `SKU-${1000 + i}`, qty: i + 1, price: 9.99 + i, tags: ['a', 'b'] }))
  return {
    id: 'order-8f14e45f-ceea-467a-9575-9d1d5e1a3b2c',
    customer: { id: 42, name: 'Ada Lovelace', email: 'ada@example.org', vip: true, address: null },
    createdAt: '2026-11-24T17:00:00.000Z',
    status: 'pending',
    items,
    totals: { net: 123.45, tax: 23.46, gross: 146.91, currency: 'EUR' },
    notes: 'Leave the parcel with the neighbour if nobody answers the door.'
  }
}

export const MESSAGES: Message[] = [
  { name: 'small request', value: [1, 42, 'Calculator', 'add', [1, 2], 1000] },
  { name: '1 KiB object', value: kibObject() },
  { name: '64 KiB Uint8Array', value: bytes(64 * 1024) },
  {
    name: 'Map/Date/bigint mix',
    value: {
      byName: new Map<unknown, unknown>([['alice', 1], ['bob', 2], ['carol', 3]]),
      byId: new Map<unknown, unknown>([[1, 'one'], [2, 'two']]),
      at: new Date(1_764_000_000_123),
      seen: [new Date(0), new Date(1_700_000_000_000)],
      counter: 9_007_199_254_740_993n,
      balance: -12_345_678_901_234n,
      missing: undefined
    }
  }
]
