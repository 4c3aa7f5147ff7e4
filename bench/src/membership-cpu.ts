/**
 * `node bench/dist/src/membership-cpu.js [--seconds 10] [--rate 200] [--repeats 2]`: what one SWIM direct
 * message costs in CPU and on the wire, sent as membership 1.0.0 did (a new stream per message: dialProtocol,
 * write, close; the handler reads to the end) and as 2.0.0 does (one long-lived stream per peer and direction,
 * `Links` of `@peercall/membership`).
 *
 * Two libp2p nodes in this process on 127.0.0.1 (the cluster's libp2p settings, `createPeerLibp2p`), each sending
 * `rate` messages per second to the other for `seconds`. CPU is `process.cpuUsage()` over the window minus an idle
 * window of the same length; bytes are `/proc/self/io` wchar over the window (every byte both nodes wrote to their
 * sockets: noise, yamux, multistream-select, the frames). Both nodes are in this process, so a message's figure
 * is its sender's and its receiver's cost together.
 *
 * Per idle peer: a member sends about 2 direct messages per probe period (its ping, and its ack of the member
 * probing it) and receives about 2, so its cost is about 2 x the figure per message at T = 1 s (LAN).
 */
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { createPeerLibp2p } from '@peercall/core'
import { Links, MAX_MESSAGE_BYTES } from '@peercall/membership'
import type { Libp2p, PubSub, Stream } from '@libp2p/interface'

const arg = (name: string, def: number): number => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : def }
/** Length of each window, s. */
const SECONDS = arg('seconds', 10)
/** Messages per second each node sends to the other. */
const RATE = arg('rate', 200)
/** Windows per mode (the median is reported). */
const REPEATS = arg('repeats', 2)
/** Size of one message, bytes: about an encoded `ping` envelope (`{ c: cluster, m: { t: 'ping', seq } }`). */
const MESSAGE_BYTES = 40
/** Direct messages an idle member sends (and receives) per second at T = 1 s: its ping, and its ack of a ping. */
const MESSAGES_PER_IDLE_PEER = 2
const OLD = '/peercall/membership-bench/1.0.0'
const NEW = '/peercall/membership-bench/2.0.0'
const TICK_MS = 10

type Node = Libp2p<{ pubsub: PubSub }>
type Send = (from: number, to: number, bytes: Uint8Array) => Promise<boolean>

function wchar (): number {
  const m = /^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))
  return m === null ? NaN : Number(m[1])
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2 }

/** The 1.0.0 read side: the whole stream is one message. */
async function readAll (stream: Stream): Promise<number> {
  let size = 0
  for await (const c of stream.source) { size += c.byteLength; if (size > MAX_MESSAGE_BYTES) { stream.abort(new Error('too large')); return 0 } }
  await stream.close().catch(() => {})
  return size
}

interface Window { cpuUs: number, bytes: number, sent: number, received: number, failed: number, seconds: number }

async function window (send: Send | undefined, received: () => number): Promise<Window> {
  const payload = new Uint8Array(MESSAGE_BYTES).fill(7)
  let sent = 0
  let failed = 0
  const r0 = received()
  const c0 = process.cpuUsage()
  const w0 = wchar()
  const t0 = performance.now()
  const perTick = RATE * TICK_MS / 1000
  let credit = 0
  while (performance.now() - t0 < SECONDS * 1000) {
    if (send !== undefined) {
      credit += perTick
      for (; credit >= 1; credit--) {
        for (const [from, to] of [[0, 1], [1, 0]]) {
          sent++
          void send(from, to, payload).then(ok => { if (!ok) failed++ })
        }
      }
    }
    await sleep(TICK_MS)
  }
  await sleep(200) // the last messages land
  const seconds = (performance.now() - t0) / 1000
  const c = process.cpuUsage(c0)
  return { cpuUs: c.user + c.system, bytes: wchar() - w0, sent, received: received() - r0, failed, seconds }
}

async function main (): Promise<void> {
  const nodes: Node[] = [await createPeerLibp2p({ listen: ['/ip4/127.0.0.1/tcp/0'] }), await createPeerLibp2p({ listen: ['/ip4/127.0.0.1/tcp/0'] })]
  let received = 0
  try {
    const ids = nodes.map(n => n.peerId)
    await nodes[0].peerStore.merge(ids[1], { multiaddrs: nodes[1].getMultiaddrs() })
    await nodes[1].peerStore.merge(ids[0], { multiaddrs: nodes[0].getMultiaddrs() })
    await nodes[0].dial(ids[1])
    // 1.0.0: a stream per message
    for (const n of nodes) {
      await n.handle(OLD, ({ stream }) => { void readAll(stream).then(size => { if (size > 0) received++ }) }, { maxInboundStreams: 1024, maxOutboundStreams: 1024 })
    }
    const oldSend: Send = async (from, to, bytes) => {
      try {
        const stream = await nodes[from].dialProtocol(ids[to], OLD, { signal: AbortSignal.timeout(1000), negotiateFully: false })
        await stream.sink([bytes])
        await stream.close({ signal: AbortSignal.timeout(1000) }).catch(() => {})
        return true
      } catch {
        return false
      }
    }
    // 2.0.0: one long-lived stream per peer and direction
    const links = nodes.map(n => new Links(n, { protocol: NEW, openTimeoutMs: 1000, maxFrameBytes: MAX_MESSAGE_BYTES, onFrame: () => { received++ } }))
    for (const [i, n] of nodes.entries()) {
      await n.handle(NEW, ({ stream, connection }) => { links[i].accept(stream, connection) }, { maxInboundStreams: 4, maxOutboundStreams: 4 })
    }
    const newSend: Send = async (from, to, bytes) => await links[from].send(ids[to].toString(), bytes)

    const results: Record<'idle' | 'stream per message (1.0.0)' | 'long-lived stream (2.0.0)', Window[]> = { idle: [], 'stream per message (1.0.0)': [], 'long-lived stream (2.0.0)': [] }
    await window(oldSend, () => received) // warm-up of both paths
    await window(newSend, () => received)
    for (let r = 0; r < REPEATS; r++) {
      results.idle.push(await window(undefined, () => received))
      results['stream per message (1.0.0)'].push(await window(oldSend, () => received))
      results['long-lived stream (2.0.0)'].push(await window(newSend, () => received))
    }
    const idleUsPerS = median(results.idle.map(w => w.cpuUs / w.seconds))
    const idleBytesPerS = median(results.idle.map(w => w.bytes / w.seconds))
    console.log(`membership-cpu: ${RATE} messages/s each way of ${MESSAGE_BYTES} bytes, ${SECONDS} s windows, ${REPEATS} repeats (medians); load average ${loadavg().map(x => x.toFixed(2)).join(' ')}`)
    console.log(`idle (both nodes): ${(idleUsPerS / 1e4).toFixed(2)}% of a core, ${idleBytesPerS.toFixed(0)} B/s written`)
    console.log('| transport | CPU per message, µs (sender + receiver) | bytes written per message | messages lost | idle peer (2 msgs/s each way): CPU % of a core | idle peer: bytes written per second |')
    console.log('|---|---|---|---|---|---|')
    for (const mode of ['stream per message (1.0.0)', 'long-lived stream (2.0.0)'] as const) {
      const ws = results[mode]
      const us = median(ws.map(w => (w.cpuUs - idleUsPerS * w.seconds) / w.received))
      const bytes = median(ws.map(w => (w.bytes - idleBytesPerS * w.seconds) / w.received))
      const lost = ws.reduce((a, w) => a + (w.sent - w.received), 0)
      console.log(`| ${mode} | ${us.toFixed(0)} | ${bytes.toFixed(0)} | ${lost} of ${ws.reduce((a, w) => a + w.sent, 0)} | ${(MESSAGES_PER_IDLE_PEER * us / 1e4).toFixed(2)} | ${(MESSAGES_PER_IDLE_PEER * bytes).toFixed(0)} |`)
    }
    console.log(`long-lived streams opened: ${links[0].stats.opened + links[1].stats.opened}`)
    await Promise.all(links.map(async l => { await l.close() }))
  } finally {
    await Promise.allSettled(nodes.map(async n => { await n.stop() }))
  }
}

const deadline = setTimeout(() => { console.error('membership-cpu: deadline reached'); process.exit(2) }, (SECONDS + 1) * (2 + 3 * REPEATS) * 1000 + 30_000)
deadline.unref()
main().then(() => process.exit(0), err => { console.error(err); process.exit(1) })
