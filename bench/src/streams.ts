/**
 * `npm run bench:streams`: server-streaming throughput, peercall's `node.stream()` against a bare libp2p stream on
 * the same stack (tcp + noise + yamux), 16 B and 64 KiB items. One server child and one client child per system,
 * started once; then rounds in which every variant reads one stream of each item size, the variants alternated
 * (order reversed every other round) so noise falls on all of them. Prints medians and the ratio peercall / bare
 * (MB/s), writes docs/benchmarks-streams.json and re-renders docs/benchmarks.md (its "Streams" section).
 *
 * Options: --rounds N, --items16 N, --items64k N, --items-batched N, --only peercall,bare,bare-batched, --no-write.
 * Node flags pass to the children: `node --cpu-prof --cpu-prof-dir=/tmp/prof bench/dist/src/streams.js --no-write`.
 */
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { processCpuMs } from './harness/cpu.js'
import { SERVER_READY_TIMEOUT_MS, STREAM_BATCH_BYTES, STREAM_BATCHED_ITEMS, STREAM_GOAL_RATIO, STREAM_ITEMS, STREAM_ITEM_SIZES, STREAM_READ_TIMEOUT_MS, STREAM_ROUNDS } from './harness/defaults.js'
import { describeMachine } from './harness/machine.js'
import { renderAll, STREAMS_JSON, writeJson } from './harness/render-all.js'
import { spawnNode, type Child } from './harness/spawn.js'
import { STREAM_VARIANTS, streamRatios, streamsTable, summariseStreams, type StreamRecord, type StreamsReport, type StreamVariant } from './harness/streams-report.js'
import { sizeLabel } from './payload.js'
import type { StreamTargetName } from './streams/index.js'
import type { StreamRead, StreamRequest } from './streams/target.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const SERVER = fileURLToPath(new URL('./streams/server.js', import.meta.url))
const CLIENT = fileURLToPath(new URL('./streams/client.js', import.meta.url))
const LARGE_ITEM = 65_536

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    rounds: { type: 'string' },
    items16: { type: 'string' },
    items64k: { type: 'string' },
    'items-batched': { type: 'string' },
    only: { type: 'string' },
    'no-write': { type: 'boolean', default: false }
  }
})
const positive = (v: string | undefined, d: number): number => {
  const n = v === undefined ? d : Number(v)
  if (!Number.isInteger(n) || n <= 0) throw new Error(`not a positive integer: ${String(v)}`)
  return n
}
const rounds = positive(values.rounds, STREAM_ROUNDS)
const items: Record<number, number> = { 16: positive(values.items16, STREAM_ITEMS[16]), [LARGE_ITEM]: positive(values.items64k, STREAM_ITEMS[LARGE_ITEM]) }
const batchedItems = positive(values['items-batched'], STREAM_BATCHED_ITEMS)
const variants = (values.only?.split(',').map((s) => s.trim()) ?? Object.keys(STREAM_VARIANTS)) as StreamVariant[]
for (const v of variants) if (!Object.hasOwn(STREAM_VARIANTS, v)) throw new Error(`unknown variant ${v}; one of ${Object.keys(STREAM_VARIANTS).join(', ')}`)
const write = values['no-write'] !== true
const argv = process.argv.slice(2).join(' ')
const command = argv === '' ? 'npm run bench:streams' : `node bench/dist/src/streams.js ${argv}`

const SYSTEM: Record<StreamVariant, StreamTargetName> = { peercall: 'peercall', bare: 'libp2p', 'bare-batched': 'libp2p' }
/** Which item sizes each variant is measured with: batching changes nothing for items of a whole write. */
const applies = (v: StreamVariant, itemBytes: number): boolean => v !== 'bare-batched' || itemBytes < STREAM_BATCH_BYTES
const itemsOf = (v: StreamVariant, itemBytes: number): number => v === 'bare-batched' ? batchedItems : items[itemBytes]

interface Pair { server: Child, client: Child, serverPid: number, clientPid: number }

async function startPair (system: StreamTargetName): Promise<Pair> {
  const server = spawnNode(SERVER, [system], `${system} stream server`)
  const ready = await server.waitFor<{ address: unknown, pid: number }>('ready', SERVER_READY_TIMEOUT_MS)
  const client = spawnNode(CLIENT, [system, JSON.stringify(ready.address)], `${system} stream client`)
  const cready = await client.waitFor<{ pid: number }>('ready', SERVER_READY_TIMEOUT_MS)
  return { server, client, serverPid: ready.pid, clientPid: cready.pid }
}

async function readOnce (pair: Pair, request: StreamRequest): Promise<{ ms: number, clientCpuMs: number | null, serverCpuMs: number | null }> {
  const cpu0 = [processCpuMs(pair.clientPid), processCpuMs(pair.serverPid)]
  const next = pair.client.waitForNext<{ result: StreamRead & { ms: number, error?: string } }>('result', STREAM_READ_TIMEOUT_MS)
  pair.client.send({ read: request })
  const { result } = await next
  const cpu1 = [processCpuMs(pair.clientPid), processCpuMs(pair.serverPid)]
  if (result.error !== undefined) throw new Error(result.error)
  if (result.items !== request.items || result.bytes !== request.items * request.itemBytes) {
    throw new Error(`stream of ${request.items} x ${request.itemBytes} B read ${result.items} items, ${result.bytes} bytes`)
  }
  const delta = (i: number): number | null => cpu0[i] === undefined || cpu1[i] === undefined ? null : cpu1[i]! - cpu0[i]!
  return { ms: result.ms, clientCpuMs: delta(0), serverCpuMs: delta(1) }
}

const loadAtStart = loadavg().map((x) => Math.round(x * 100) / 100)
const started = Date.now()
console.log(`peercall bench:streams: ${rounds} rounds; ${STREAM_ITEM_SIZES.map((b) => `${items[b]} x ${sizeLabel(b)}`).join(', ')} (batched: ${batchedItems}); variants ${variants.join(', ')}`)
const pairs = new Map<StreamTargetName, Pair>()
const records: StreamRecord[] = []
try {
  for (const v of variants) if (!pairs.has(SYSTEM[v])) pairs.set(SYSTEM[v], await startPair(SYSTEM[v]))
  const request = (v: StreamVariant, itemBytes: number, n: number): StreamRequest => ({ itemBytes, items: n, batchBytes: v === 'bare-batched' ? STREAM_BATCH_BYTES : 0 })
  // warm-up: a quarter-length stream of every variant and size (JIT, yamux windows), not recorded
  for (const itemBytes of STREAM_ITEM_SIZES) {
    for (const v of variants.filter((x) => applies(x, itemBytes))) await readOnce(pairs.get(SYSTEM[v])!, request(v, itemBytes, Math.ceil(itemsOf(v, itemBytes) / 4)))
  }
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? variants : [...variants].reverse()
    const line: string[] = []
    for (const itemBytes of STREAM_ITEM_SIZES) {
      for (const v of order.filter((x) => applies(x, itemBytes))) {
        const n = itemsOf(v, itemBytes)
        const got = await readOnce(pairs.get(SYSTEM[v])!, request(v, itemBytes, n))
        records.push({ round, variant: v, itemBytes, items: n, ...got })
        line.push(`${v} ${sizeLabel(itemBytes)}: ${Math.round(n / (got.ms / 1000))} items/s ${(n * itemBytes / 1e6 / (got.ms / 1000)).toFixed(1)} MB/s`)
      }
    }
    console.log(`round ${round}  ${line.join(' | ')}`)
  }
} finally {
  await Promise.all([...pairs.values()].flatMap((p) => [p.client.stop(), p.server.stop()]))
}

const results = summariseStreams(records)
const ratios = streamRatios(records, results, LARGE_ITEM, STREAM_GOAL_RATIO)
console.log(`\nMedians of ${rounds} rounds:\n\n${streamsTable(results, ratios)}\n`)
for (const r of ratios) console.log(`${sizeLabel(r.itemBytes)}: peercall / bare ${r.ratio.toFixed(2)}x MB/s (median per round ${r.medianPerRound.toFixed(2)}x: ${r.perRound.join(', ')}), ${r.cpuRatio === null ? '—' : r.cpuRatio.toFixed(2)}x CPU efficiency${r.goal !== undefined ? `; goal >= ${r.goal}x ${r.met === true ? 'met' : 'NOT met'}` : ''}`)
if (write) {
  const report: StreamsReport = { generatedBy: command, machine: describeMachine(ROOT), loadAtStart, options: { rounds, items, batchedItems, batchBytes: STREAM_BATCH_BYTES, variants }, results, ratios, records }
  writeJson(ROOT, STREAMS_JSON, report)
  console.log(`wrote docs/${STREAMS_JSON}, ${renderAll(ROOT).join(', ')}`)
}
console.log(`took ${Math.round((Date.now() - started) / 1000)} s`)
process.exit(0)
