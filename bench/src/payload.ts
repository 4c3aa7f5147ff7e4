/**
 * The echo payload of every system: an ASCII string of exactly `bytes` bytes (one byte per character in UTF-8),
 * a type that msgpackr, JSON and every framing here carry natively.
 */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

export function makePayload (bytes: number): string {
  return ALPHABET.repeat(Math.ceil(bytes / ALPHABET.length)).slice(0, bytes)
}

/** Human-readable size: 16 B, 1 KiB, 64 KiB. */
export function sizeLabel (bytes: number): string {
  return bytes >= 1024 && bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} B`
}
