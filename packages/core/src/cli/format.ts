/** Text output of the CLI: tables, bars, values as JSON. */

/** A peer id shortened for tables: its last 8 characters (the common 12D3KooW prefix carries nothing). */
export function shortId (id: string): string {
  return id.length > 12 ? '…' + id.slice(-8) : id
}

/** A horizontal bar of `width` cells for `value / max`. */
export function bar (value: number, max: number, width = 20): string {
  const cells = max <= 0 ? 0 : Math.max(0, Math.min(width, Math.round(width * value / max)))
  return '█'.repeat(cells) + '·'.repeat(width - cells)
}

/** Columns padded to their widest cell; numbers (cells that look numeric) right-aligned. */
export function table (header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const numeric = header.map((_h, i) => rows.length > 0 && rows.every(r => /^-?[\d.]+( ?(ms|%))?$|^–$/.test(r[i] ?? '')))
  const line = (cells: string[]): string => cells.map((c, i) => numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])).join('  ').trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

/** JSON that also carries what the codec round-trips: bigint as a string, bytes as hex, Map as an object. */
export function toJson (value: unknown, space?: number): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString()
    if (v instanceof Uint8Array) return Buffer.from(v).toString('hex')
    if (v instanceof Map) return Object.fromEntries(v)
    if (v === undefined) return null
    return v
  }, space) ?? 'null'
}

/** A call argument from the command line: JSON where it parses, else the string itself. */
export function parseArg (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** For an argument that starts like JSON (`{`, `[` or `"`) but does not parse, what is wrong; else undefined. */
export function jsonProblem (text: string): string | undefined {
  if (!/^\s*[[{"]/.test(text)) return undefined
  try {
    JSON.parse(text)
    return undefined
  } catch (err) {
    return (err as Error).message.split('\n')[0]
  }
}
