/**
 * `node bench/dist/src/streams/costs.js`: the CPU cost of each step a stream item takes through peercall's wire
 * path, measured in this one process (no sockets, no other process), so it moves little with the machine's load:
 * the server's ITEM encoding (msgpackr) and the writer's batch copy (encodeFrames), the client's frame splitting
 * (FrameDecoder, also done by the bare stream's client) and ITEM decoding; with noise's chacha20-poly1305 over
 * the same bytes (node:crypto, as @chainsafe/libp2p-noise uses on Node) for scale. Prints µs of CPU per item,
 * medians of a few repetitions. Writes nothing.
 */
import { createCipheriv, randomBytes } from 'node:crypto'
import { decodeFrame, encodeFrame, encodeFrames, FrameDecoder, FrameType } from '@peercall/core/internal'
import { sizeLabel } from '../payload.js'
import { median } from '../harness/stats.js'
import { makeItem } from './target.js'

/** Repetitions per step (the median is printed) and items per repetition. */
const REPS = 5
const ITEMS = 2_000
/** Largest noise message payload: 65,535 bytes less the 16-byte tag. */
const NOISE_PLAINTEXT = 65_519
/** Decode limits as a session applies them (its default maxDepth). */
const LIMITS = { maxDepth: 64 }

function cpuPerItemUs (step: (i: number) => unknown): number {
  const xs: number[] = []
  for (let r = 0; r < REPS; r++) {
    const c0 = process.cpuUsage()
    for (let i = 0; i < ITEMS; i++) step(i)
    const c = process.cpuUsage(c0)
    xs.push((c.user + c.system) / ITEMS)
  }
  return median(xs)
}

const key = randomBytes(32)
const nonce = Buffer.alloc(12)
function seal (bytes: Uint8Array): void {
  for (let p = 0; p < bytes.byteLength; p += NOISE_PLAINTEXT) {
    const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
    c.update(bytes.subarray(p, p + NOISE_PLAINTEXT))
    c.final()
  }
}

console.log('| item | step | side | µs CPU / item |\n| --- | --- | --- | ---: |')
for (const itemBytes of [16, 65_536]) {
  const item = makeItem(itemBytes)
  const body = encodeFrame({ type: FrameType.ITEM, id: 1, value: item })
  const framed = encodeFrames([body])
  const wire = encodeFrames(Array.from({ length: 8 }, () => body))
  const chunks: Uint8Array[] = []
  for (let p = 0; p < wire.byteLength; p += NOISE_PLAINTEXT) chunks.push(wire.subarray(p, p + NOISE_PLAINTEXT))
  const dec = new FrameDecoder()
  let k = 0
  const rows: Array<[string, string, number]> = [
    ['encodeFrame(ITEM) (msgpackr; a Uint8Array is extension 0x74, copied into the packer\'s buffer)', 'peercall server', cpuPerItemUs(() => encodeFrame({ type: FrameType.ITEM, id: 1, value: item }))],
    ['writer batch copy: encodeFrames([body])', 'peercall server', cpuPerItemUs(() => encodeFrames([body]))],
    ['noise: chacha20-poly1305 over the framed item', 'both servers', cpuPerItemUs(() => { seal(framed) })],
    ['FrameDecoder.push (joins a frame split across noise messages)', 'both clients', cpuPerItemUs(() => dec.push(chunks[k++ % chunks.length]).length) * chunks.length / 8],
    ['decodeFrame(ITEM) (msgpackr; extension 0x74 slices a copy)', 'peercall client', cpuPerItemUs(() => decodeFrame(body, LIMITS))]
  ]
  for (const [step, side, us] of rows) console.log(`| ${sizeLabel(itemBytes)} | ${step} | ${side} | ${us < 10 ? us.toFixed(2) : us.toFixed(1)} |`)
}
