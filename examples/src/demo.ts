/**
 * `npm start`: a local peercall cluster doing real work, visibly.
 *
 * Starts example peers as separate processes, joins them with an embedded client peer, drives Calculator and
 * key-value traffic at every peer, prints a per-peer table while it runs, shows a remote error crossing the
 * wire, then stops every peer gracefully and exits. `--peers N` (default 3), `--seconds S` (default 8),
 * `--forever` to run until Ctrl-C.
 */
import { parseArgs } from 'node:util'
import { createNode, RpcError } from '@peercall/core'
import { startPeer, stopPeer } from './launcher.js'
import type { Calculator } from './calculator.js'
import type { PeerProcess } from './launcher.js'

const { values } = parseArgs({
  options: {
    peers: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '8' },
    forever: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '16' }
  }
})
const PEERS = Math.max(1, Number(values.peers))
const SECONDS = Math.max(1, Number(values.seconds))
const CONCURRENCY = Math.max(1, Number(values.concurrency))

interface Stats { calls: number, errors: number, latencies: number[], lastCalls: number }

function percentile (xs: number[], p: number): number {
  if (xs.length === 0) return 0
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
}

const tty = process.stdout.isTTY === true
const log = (line: string): void => { process.stdout.write(line + '\n') }

log(`peercall demo: starting ${PEERS} peer processes on 127.0.0.1 ...`)
const peers: PeerProcess[] = []
const first = await startPeer()
peers.push(first)
for (let i = 1; i < PEERS; i++) peers.push(await startPeer({ bootstrap: [first.multiaddrs[0]] }))
for (const p of peers) log(`  peer ${short(p.peerId)}  pid ${String(p.child.pid)}  ${p.multiaddrs[0]}`)

const client = await createNode({ bootstrap: peers.map(p => p.multiaddrs[0]) })
log(`client peer ${short(client.peerId)} joined; driving traffic with ${CONCURRENCY} calls in flight\n`)

const calculators = new Map(peers.map(p => [p.peerId, client.service<Calculator>('Calculator', { peer: p.multiaddrs[0], timeoutMs: 2000 })]))
const stats = new Map<string, Stats>(peers.map(p => [p.peerId, { calls: 0, errors: 0, latencies: [], lastCalls: 0 }]))
let running = true
let failures = 0
const stopAt = values.forever === true ? Infinity : Date.now() + SECONDS * 1000

async function worker (w: number): Promise<void> {
  let i = w
  while (running && Date.now() < stopAt) {
    const peer = peers[i % peers.length]
    const s = stats.get(peer.peerId)!
    const start = performance.now()
    try {
      if (i % 10 === 0) {
        await client.call('KeyValue', 'put', [`key-${i}`, { n: i, at: new Date() }], { peer: peer.multiaddrs[0], timeoutMs: 2000 })
        await client.call('KeyValue', 'get', [`key-${i}`], { peer: peer.multiaddrs[0], timeoutMs: 2000 })
      } else {
        const calc = calculators.get(peer.peerId)!
        const r = await calc.add(i, 1)
        if (r !== i + 1) throw new Error(`wrong answer ${r}`)
      }
      s.calls++
      s.latencies.push(performance.now() - start)
      if (s.latencies.length > 5000) s.latencies.splice(0, 2500)
    } catch (err) {
      s.errors++
      failures++
      if (failures <= 5) log(`call failed: ${(err as Error).message}`)
    }
    i += CONCURRENCY
  }
}

let lines = 0
function table (): void {
  const rows = [`${'peer'.padEnd(14)} ${'calls'.padStart(9)} ${'calls/s'.padStart(9)} ${'errors'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`]
  for (const p of peers) {
    const s = stats.get(p.peerId)!
    const rate = s.calls - s.lastCalls
    s.lastCalls = s.calls
    rows.push(`${short(p.peerId).padEnd(14)} ${String(s.calls).padStart(9)} ${String(rate).padStart(9)} ${String(s.errors).padStart(7)} ${percentile(s.latencies, 0.5).toFixed(2).padStart(8)} ${percentile(s.latencies, 0.99).toFixed(2).padStart(8)}`)
  }
  if (tty && lines > 0) process.stdout.write(`\x1b[${lines}A`)
  for (const r of rows) process.stdout.write(r + (tty ? '\x1b[K' : '') + '\n')
  lines = rows.length
  if (!tty) process.stdout.write('\n')
}

const ticker = setInterval(table, 1000)
process.on('SIGINT', () => { running = false })
await Promise.all(Array.from({ length: CONCURRENCY }, async (_, w) => { await worker(w) }))
clearInterval(ticker)
table()

try {
  await client.service<Calculator>('Calculator', { peer: peers[0].multiaddrs[0] }).divide(1, 0)
} catch (err) {
  if (err instanceof RpcError) log(`\ndivide(1, 0) on ${short(peers[0].peerId)} -> ${err.code} ${err.name}: "${err.message}" (retryable ${String(err.retryable)})`)
}

const total = [...stats.values()].reduce((n, s) => n + s.calls, 0)
log(`\n${total} calls answered, ${failures} failed. Stopping peers gracefully ...`)
await client.stop()
for (const p of peers) {
  const code = await stopPeer(p, 'SIGTERM')
  log(`  peer ${short(p.peerId)} exited with code ${String(code)}`)
}
process.exit(failures === 0 ? 0 : 1)

function short (id: string): string {
  return `${id.slice(0, 6)}…${id.slice(-4)}`
}
