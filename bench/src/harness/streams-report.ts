/**
 * `npm run bench:streams`: the records of every measured stream, their medians and ratios, and the "Streams"
 * section of docs/benchmarks.md rendered from docs/benchmarks-streams.json.
 */
import { sizeLabel } from '../payload.js'
import type { Machine } from './machine.js'
import { median } from './stats.js'

/** The variants measured, in report order. */
export const STREAM_VARIANTS = {
  peercall: 'peercall `node.stream()`',
  bare: 'bare libp2p stream, one write per item',
  'bare-batched': 'bare libp2p stream, items joined into 64 KiB writes'
} as const

export type StreamVariant = keyof typeof STREAM_VARIANTS

/** One measured stream. */
export interface StreamRecord {
  round: number
  variant: StreamVariant
  itemBytes: number
  items: number
  ms: number
  /** CPU time (user + system) of the client and the server process during the stream, ms. */
  clientCpuMs: number | null
  serverCpuMs: number | null
}

/** Medians over the rounds of one variant and item size (CPU: totals over the rounds). */
export interface StreamRow {
  variant: StreamVariant
  itemBytes: number
  items: number
  rounds: number
  itemsPerSec: number
  mbPerSec: number
  clientCpuUsPerItem: number | null
  serverCpuUsPerItem: number | null
}

/** peercall over the bare stream (one write per item), MB/s, for one item size. */
export interface StreamRatio {
  itemBytes: number
  /** Ratio of the medians. */
  ratio: number
  /** The same ratio within each round (the two streams measured back to back), for the spread. */
  perRound: number[]
  /** Median of perRound. */
  medianPerRound: number
  /**
   * CPU efficiency: the bare stream's CPU time per item (client + server) over peercall's: what the ratio of MB/s
   * would be if CPU were the only limit, less disturbed than wall-clock time by other work on the machine.
   */
  cpuRatio: number | null
  /** Only for 64 KiB items: the streams goal. */
  goal?: number
  met?: boolean
}

export interface StreamsReport {
  generatedBy: string
  machine: Machine
  loadAtStart: number[]
  options: { rounds: number, items: Record<number, number>, batchedItems: number, batchBytes: number, variants: StreamVariant[] }
  results: StreamRow[]
  ratios: StreamRatio[]
  records: StreamRecord[]
}

const mbPerSec = (r: StreamRecord): number => r.items * r.itemBytes / 1e6 / (r.ms / 1000)
/** CPU µs per item over all the rounds (the total, not a median: /proc counts in 10 ms ticks, coarse for one short stream). */
function cpuPerItem (rs: StreamRecord[], cpu: (r: StreamRecord) => number | null): number | null {
  const ms = rs.map(cpu)
  if (ms.some((x) => x === null)) return null
  return (ms as number[]).reduce((a, b) => a + b, 0) * 1000 / rs.reduce((a, r) => a + r.items, 0)
}

export function summariseStreams (records: StreamRecord[]): StreamRow[] {
  const rows: StreamRow[] = []
  for (const variant of Object.keys(STREAM_VARIANTS) as StreamVariant[]) {
    for (const itemBytes of [...new Set(records.map((r) => r.itemBytes))].sort((a, b) => a - b)) {
      const rs = records.filter((r) => r.variant === variant && r.itemBytes === itemBytes)
      if (rs.length === 0) continue
      rows.push({
        variant,
        itemBytes,
        items: rs[0].items,
        rounds: rs.length,
        itemsPerSec: median(rs.map((r) => r.items / (r.ms / 1000))),
        mbPerSec: median(rs.map(mbPerSec)),
        clientCpuUsPerItem: cpuPerItem(rs, (r) => r.clientCpuMs),
        serverCpuUsPerItem: cpuPerItem(rs, (r) => r.serverCpuMs)
      })
    }
  }
  return rows
}

export function streamRatios (records: StreamRecord[], rows: StreamRow[], goalBytes: number, goal: number): StreamRatio[] {
  const out: StreamRatio[] = []
  for (const pc of rows.filter((r) => r.variant === 'peercall')) {
    const bare = rows.find((r) => r.variant === 'bare' && r.itemBytes === pc.itemBytes)
    if (bare === undefined) continue
    const perRound: number[] = []
    for (const a of records.filter((r) => r.variant === 'peercall' && r.itemBytes === pc.itemBytes)) {
      const b = records.find((r) => r.variant === 'bare' && r.itemBytes === pc.itemBytes && r.round === a.round)
      if (b !== undefined) perRound.push(Math.round(mbPerSec(a) / mbPerSec(b) * 100) / 100)
    }
    const ratio = pc.mbPerSec / bare.mbPerSec
    const cpu = (r: StreamRow): number | null => r.clientCpuUsPerItem === null || r.serverCpuUsPerItem === null ? null : r.clientCpuUsPerItem + r.serverCpuUsPerItem
    const pcCpu = cpu(pc)
    const bareCpu = cpu(bare)
    const cpuRatio = pcCpu === null || bareCpu === null || pcCpu === 0 ? null : bareCpu / pcCpu
    out.push({ itemBytes: pc.itemBytes, ratio, perRound, medianPerRound: median(perRound), cpuRatio, ...(pc.itemBytes === goalBytes ? { goal, met: ratio >= goal } : {}) })
  }
  return out
}

function quartiles (xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b)
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))]
  return `${at(0.25).toFixed(2)}-${at(0.75).toFixed(2)}, range ${s[0].toFixed(2)}-${s[s.length - 1].toFixed(2)}`
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US')
const us = (n: number | null): string => n === null ? '—' : n < 10 ? n.toFixed(2) : n.toFixed(0)

export function streamsTable (rows: StreamRow[], ratios: StreamRatio[]): string {
  const ordered = [...rows].sort((a, b) => a.itemBytes - b.itemBytes)
  const lines = ordered.map((r) => {
    const ratio = r.variant === 'peercall' ? ratios.find((x) => x.itemBytes === r.itemBytes) : undefined
    return `| ${sizeLabel(r.itemBytes)} x ${int(r.items)} | ${STREAM_VARIANTS[r.variant]} | ${int(r.itemsPerSec)} | ${r.mbPerSec.toFixed(1)} | ${us(r.clientCpuUsPerItem)} | ${us(r.serverCpuUsPerItem)} | ${ratio !== undefined ? `**${ratio.ratio.toFixed(2)}x**` : ''} | ${ratio?.cpuRatio != null ? `${ratio.cpuRatio.toFixed(2)}x` : ''} |`
  })
  return `| items | variant | items/s | MB/s | client CPU µs/item | server CPU µs/item | peercall / bare, MB/s | peercall / bare, CPU efficiency |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |
${lines.join('\n')}`
}

export function streamsSection (s: StreamsReport | undefined): string {
  if (s === undefined) return '## Streams\n\nNot measured yet: `npm run bench:streams`.\n'
  const goal = s.ratios.find((r) => r.goal !== undefined)
  const m = s.machine
  const batched = s.results.find((r) => r.variant === 'bare-batched')
  const pcSmall = batched === undefined ? undefined : s.results.find((r) => r.variant === 'peercall' && r.itemBytes === batched.itemBytes)
  const batchedLine = batched !== undefined && pcSmall !== undefined
    ? `\nWith ${sizeLabel(batched.itemBytes)} items peercall carries ${(pcSmall.itemsPerSec / batched.itemsPerSec).toFixed(3)}x the items/s of the batched bare stream: each item is a frame of its own (ITEM, msgpackr) and credit comes back every 8 items, where the batched stream moves thousands of items per write.`
    : ''
  return `## Streams

\`${s.generatedBy}\` (\`bench/src/streams.ts\`; ${m.date}, Node ${m.node}${m.git !== undefined ? `, checkout ${m.git}` : ''}; load average
${s.loadAtStart.join(', ')} at the start, ${m.loadAvg.join(', ')} at the end): one server stream at a time, from a server child
process to a client child process on 127.0.0.1, ${s.options.rounds} rounds, the variants alternated within each round (and their
order reversed every other round) so that the machine's noise falls on all of them; medians of the rounds. Raw
figures: [benchmarks-streams.json](benchmarks-streams.json).

${streamsTable(s.results, s.ratios)}

${goal !== undefined ? `**Goal: peercall >= ${goal.goal ?? ''}x the bare stream's MB/s with ${sizeLabel(goal.itemBytes)} items: ${goal.ratio.toFixed(2)}x, ${goal.met === true ? 'met' : 'not met'}.**` : ''}
Ratio within each round (peercall / bare, MB/s, the two streams back to back): ${s.ratios.map((r) => `${sizeLabel(r.itemBytes)}: median ${r.medianPerRound.toFixed(2)}x, quartiles ${quartiles(r.perRound)}`).join('; ')}.${batchedLine}

- **peercall**: the server registers \`Bench.items(itemBytes, items)\`, an async generator yielding the same byte
  array \`items\` times; the client iterates \`node.stream('Bench', 'items', [itemBytes, items], { peer })\` (pinned:
  a routed stream picks its peer once, so routing is not in the loop) and checks each item's size. Items are
  ITEM frames (msgpackr; a Uint8Array travels as its typed-array extension) under the protocol's credit-based
  flow control (window 16 items, credit granted back half a window at a time), over one yamux stream of the
  peers' shared RPC connection.
- **bare libp2p stream**: the same stack (libp2p with tcp + noise + yamux, no other services); the client keeps one
  long-lived stream, as a peercall session does (so both run on a yamux stream whose window has grown), and sends
  one request per measured stream; the server writes the items, each framed as peercall frames (u32 length +
  bytes), into the stream's sink as fast as it takes them: one write per item (so one yamux frame and one noise
  message per item), or, in the batched variant (16 B items only: a 64 KiB item is one write either way), as many
  whole items per write as fit in ${sizeLabel(s.options.batchBytes)}. The client splits the bytes back into items (peercall's
  FrameDecoder) and checks their size. No codec and no flow control above yamux's own window: the floor of any
  stream on this stack.
- Time: from the call (peercall) or the request (bare) to the last item, in the client. MB/s counts item bytes only (10^6 B).
  CPU µs/item: CPU time (user + system) of each process during the streams, over their items, totalled over the
  rounds (\`/proc/<pid>/stat\`, 10 ms ticks). CPU efficiency: the bare stream's CPU per item (client + server) over peercall's, the MB/s ratio
  the two would have if CPU were their only limit; on a machine loaded by other work it moves less than wall time.
- Both pairs of processes run through the whole measurement (idle while the other pair streams); 2 shared cores.
`
}
