/**
 * `npm run bench:codec -w @peercall/bench` (or `node bench/dist/src/codec.js [--quick] [--no-write]`):
 * encode+decode throughput and encoded size of msgpackr, cbor-x and JSON (and peercall's own codec when
 * @peercall/core is built) on representative RPC messages; writes docs/codec.md.
 */
import { parseArgs } from 'node:util'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { CODECS, coreCodec, type NamedCodec } from './codec/codecs.js'
import { MESSAGES } from './codec/messages.js'
import { sameValue } from './codec/equal.js'
import { batchRate, calibrate } from './codec/measure.js'
import { median } from './harness/stats.js'
import { describeMachine } from './harness/machine.js'
import { renderCodecDoc, codecTable, type CodecRow } from './codec/report.js'

/** Batches per figure and their length, in ms; the figure is the median batch. Quick: for a smoke test only. */
const BATCHES = 9
const BATCH_MS = 100
const QUICK_BATCHES = 3
const QUICK_BATCH_MS = 40
/** Unmeasured warm-up per codec and message, in ms, so every codec is measured optimised. */
const WARMUP_MS = 150

const { values } = parseArgs({ args: process.argv.slice(2), options: { quick: { type: 'boolean', default: false }, 'no-write': { type: 'boolean', default: false } } })
const batches = values.quick ? QUICK_BATCHES : BATCHES
const batchMs = values.quick ? QUICK_BATCH_MS : BATCH_MS
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

const codecs: NamedCodec[] = [...CODECS]
const core = await coreCodec()
if (core !== undefined) codecs.push(core)

const rows: CodecRow[] = []
for (const msg of MESSAGES) {
  // one entry per codec that can encode this message, with its three operations
  const live: Array<{ row: CodecRow, ops: Array<{ key: 'bothOps' | 'encodeOps' | 'decodeOps', op: () => number, inner: number, rates: number[] }> }> = []
  for (const c of codecs) {
    let encoded: Uint8Array
    try {
      encoded = c.encode(msg.value)
    } catch (err) {
      rows.push({ message: msg.name, codec: c.name, bytes: null, roundTrips: false, error: (err as Error).message.slice(0, 80) })
      continue
    }
    let roundTrips = false
    try { roundTrips = sameValue(c.decode(encoded), msg.value) } catch { roundTrips = false }
    const row: CodecRow = { message: msg.name, codec: c.name, bytes: encoded.byteLength, roundTrips }
    rows.push(row)
    const both = (): number => { const b = c.encode(msg.value); c.decode(b); return b.byteLength }
    const enc = (): number => c.encode(msg.value).byteLength
    const dec = (): number => (c.decode(encoded) === undefined ? 0 : 1)
    live.push({
      row,
      ops: ([['bothOps', both], ['encodeOps', enc], ['decodeOps', dec]] as const).map(([key, op]) => {
        batchRate(op, calibrate(op), values.quick ? 20 : WARMUP_MS) // warm-up
        return { key, op, inner: calibrate(op), rates: [] }
      })
    })
  }
  // interleaved: batch b of every codec and operation before batch b + 1, so that a busy moment on the shared
  // machine lands on all of them rather than on one
  for (let b = 0; b < batches; b++) {
    for (const l of live) for (const o of l.ops) o.rates.push(batchRate(o.op, o.inner, batchMs))
  }
  for (const l of live) for (const o of l.ops) l.row[o.key] = Math.round(median(o.rates))
}

console.log(codecTable(rows))
if (!values.quick && !values['no-write']) {
  const file = `${ROOT}docs/codec.md`
  writeFileSync(file, renderCodecDoc({ machine: describeMachine(ROOT), rows, codecs, batches, batchMs, messages: MESSAGES }))
  console.log(`wrote ${file}`)
}
