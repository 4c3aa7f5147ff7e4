/**
 * `npm start`: a local peercall cluster doing real work, visibly, and surviving faults.
 *
 * The supervisor starts 5 example peers as separate processes. An embedded client peer joins them and drives
 * Calculator calls (routed by power-of-two-choices) and replicated key-value writes and reads (routed by
 * consistent hashing) while a live table shows every peer: its state as membership sees it, calls, load and
 * latency. Mid-run one peer is killed (SIGKILL) and another frozen (SIGSTOP, the hard case: its connections stay
 * open and nothing answers); calls fail over with none lost, the supervisor restarts the killed peer with its
 * identity, and the frozen one is thawed and takes traffic again. At the end every acknowledged write is read
 * back, the peers leave gracefully, and the demo exits 0 only if no call was lost.
 *
 * Flags: --peers N (5), --seconds S (40), --concurrency C (16), --forever (run until Ctrl-C, faults repeat).
 */
import { parseArgs } from 'node:util'
import { createNode, RpcError } from '@peercall/core'
import { kvClient } from './kv-replica.js'
import { Supervisor } from './supervisor.js'
import type { Calculator } from './calculator.js'
import type { SupervisorEvent } from './supervisor.js'
import type { Member } from '@peercall/core'

const { values } = parseArgs({
  options: {
    peers: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '40' },
    forever: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '16' }
  }
})
const PEERS = Math.max(3, Number(values.peers))
const SECONDS = Math.max(10, Number(values.seconds))
const CONCURRENCY = Math.max(2, Number(values.concurrency))
const FOREVER = values.forever === true
const tty = process.stdout.isTTY === true

const events: string[] = []
const t0 = Date.now()
function note (line: string): void {
  const stamped = `[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}`
  events.push(stamped)
  if (events.length > 8) events.shift()
  if (!tty) process.stdout.write(stamped + '\n')
}
const short = (id: string | undefined): string => id === undefined ? '-' : `…${id.slice(-6)}`

// ------------------------------------------------------------------ the cluster

process.stdout.write(`peercall demo: ${PEERS} peer processes on 127.0.0.1, ${CONCURRENCY} calls in flight${FOREVER ? ', until Ctrl-C' : `, ${SECONDS} s`}\n`)
const sup = new Supervisor({ profile: 'fast' })
sup.addEventListener('peer', e => {
  const { type, peer, detail } = (e as CustomEvent<SupervisorEvent>).detail
  if (type === 'start' && peer.restarts === 0) return
  note(`supervisor: ${peer.name} ${type}${detail !== undefined ? ` (${detail})` : ''}`)
})
for (let i = 0; i < PEERS; i++) await sup.add()
const client = await createNode({ bootstrap: sup.addresses().slice(0, 3), membership: { profile: 'fast' } })
for (const type of ['member:suspect', 'member:dead', 'member:join', 'member:leave']) {
  client.addEventListener(type, e => {
    const m = (e as CustomEvent<Member>).detail
    const name = sup.list().find(p => p.peerId === m.peerId)?.name ?? short(m.peerId)
    note(`membership: ${name} ${type.slice(7)} (incarnation ${m.incarnation})`)
  })
}
const deadline = Date.now() + 20_000
while (client.members().filter(m => m.state === 'alive' && m.services.includes('Calculator')).length < PEERS) {
  if (Date.now() > deadline) throw new Error('the cluster did not form within 20 s')
  await new Promise(resolve => setTimeout(resolve, 50))
}
// each replicated store coordinates once it has caught up with the others (kv-recovery.ts)
const storesReady = async (): Promise<boolean> => (await Promise.all(sup.list().map(async p => await client.call<{ ready: boolean }>('ReplicatedKV', 'status', [], { peer: p.peerId, timeoutMs: 1000 }).catch(() => undefined)))).every(s => s?.ready === true)
while (!(await storesReady())) {
  if (Date.now() > deadline + 10_000) throw new Error('the replicated stores were not ready within 30 s')
  await new Promise(resolve => setTimeout(resolve, 100))
}
note(`cluster formed: ${PEERS} peers, client ${short(client.peerId)}`)

// ------------------------------------------------------------------ traffic

const calc = client.service<Calculator>('Calculator', { timeoutMs: 3000 })
const kv = kvClient(client, 3000)
const written = new Map<string, number>()
const tally = { calls: 0, failed: 0, wrong: 0, writes: 0 }
const latencies: number[] = []
let running = true
const stopAt = FOREVER ? Infinity : t0 + SECONDS * 1000

async function worker (w: number): Promise<void> {
  let i = 0
  while (running && Date.now() < stopAt) {
    i++
    const start = performance.now()
    try {
      if (w % 4 === 0) {
        const key = `user-${w}-${i % 200}`
        if (i % 2 === 0) {
          await kv.put(key, i)
          written.set(key, i)
          tally.writes++
        } else if (written.has(key)) {
          const v = await kv.get(key)
          if (v !== written.get(key)) tally.wrong++
        }
      } else {
        const a = i * 7 + w
        const b = (i % 13) + 1
        const r = await calc.multiply(a, b)
        if (r !== a * b) tally.wrong++
      }
      tally.calls++
      latencies.push(performance.now() - start)
      if (latencies.length > 20_000) latencies.splice(0, 10_000)
    } catch (err) {
      tally.failed++
      if (tally.failed <= 5) note(`call failed: ${err instanceof RpcError ? `${err.code} ${err.message}` : String(err)}`)
    }
  }
}

// ------------------------------------------------------------------ faults

const name = (i: number): string => `peer-${((i - 1) % PEERS) + 1}`
async function faults (): Promise<void> {
  const span = FOREVER ? 40_000 : SECONDS * 1000
  let round = 0
  do {
    const base = t0 + round * span
    const at = async (share: number): Promise<boolean> => {
      const when = base + share * span
      while (Date.now() < when) {
        if (!running) return false
        await new Promise(resolve => setTimeout(resolve, 100))
      }
      return running
    }
    const victim = name(2 + round * 2)
    const frozen = name(4 + round * 2)
    if (!await at(0.2)) return
    note(`fault: SIGKILL ${victim} (${short(sup.get(victim)?.peerId)})`)
    sup.kill(victim, 'SIGKILL')
    if (!await at(0.4)) return
    note(`fault: SIGSTOP ${frozen}: connections open, no answers`)
    sup.freeze(frozen)
    if (!await at(0.65)) return
    note(`repair: SIGCONT ${frozen}`)
    sup.thaw(frozen)
    round++
  } while (FOREVER && running)
}

// ------------------------------------------------------------------ the table

let drawn = 0
function percentile (p: number): number {
  if (latencies.length === 0) return 0
  const s = [...latencies].sort((x, y) => x - y)
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]
}
function draw (): void {
  const members = new Map(client.members().map(m => [m.peerId, m]))
  const rows = [
    `${'peer'.padEnd(8)} ${'id'.padEnd(8)} ${'pid'.padStart(7)} ${'state'.padEnd(10)} ${'inc'.padStart(10)} ${'calls'.padStart(7)} ${'fails'.padStart(5)} ${'inflight'.padStart(8)} ${'lat ms'.padStart(7)} ${'cpu %'.padStart(6)}`
  ]
  for (const p of sup.list()) {
    const m = p.peerId === undefined ? undefined : members.get(p.peerId)
    const s = p.peerId === undefined ? undefined : client.peerStats(p.peerId)
    const state = p.state === 'frozen' ? `frozen/${m?.state ?? '?'}` : p.state === 'restarting' ? 'restarting' : (m?.state ?? p.state)
    rows.push(`${p.name.padEnd(8)} ${short(p.peerId).padEnd(8)} ${String(p.proc?.child.pid ?? '-').padStart(7)} ${state.padEnd(10)} ${String(m?.incarnation ?? '-').padStart(10)} ${String(s?.calls ?? 0).padStart(7)} ${String(s?.failures ?? 0).padStart(5)} ${String(m?.load.inflight ?? 0).padStart(8)} ${(s?.latencyMs ?? 0).toFixed(2).padStart(7)} ${((m?.load.cpu ?? 0) * 100).toFixed(0).padStart(6)}`)
  }
  const stats = client.stats()
  rows.push('')
  rows.push(`calls ${tally.calls}  failed ${tally.failed}  wrong ${tally.wrong}  retries ${stats.retries}  hedges ${stats.hedges}  writes ${tally.writes}  p50 ${percentile(0.5).toFixed(2)} ms  p99 ${percentile(0.99).toFixed(2)} ms`)
  if (tty) {
    rows.push('', 'recent events:', ...events.slice(-8))
    while (rows.length < drawn) rows.push('')
    if (drawn > 0) process.stdout.write(`\x1b[${drawn}A`)
    process.stdout.write(rows.map(r => r + '\x1b[K').join('\n') + '\n')
    drawn = rows.length
  } else {
    process.stdout.write(rows.join('\n') + '\n\n')
  }
}

const ticker = setInterval(draw, tty ? 500 : 5000)
process.once('SIGINT', () => { running = false })
await Promise.all([faults(), ...Array.from({ length: CONCURRENCY }, async (_, w) => { await worker(w) })])
running = false
clearInterval(ticker)
draw()

// ------------------------------------------------------------------ verdict

process.stdout.write('\nreading back every acknowledged write ...\n')
let lost = 0
for (const [key, value] of written) {
  try {
    if (await kv.get(key) !== value) lost++
  } catch { lost++ }
}
const restarted = sup.list().filter(p => p.restarts > 0)
process.stdout.write(`${tally.calls} calls answered, ${tally.failed} failed, ${tally.wrong} wrong; ${written.size} keys written, ${lost} lost; ` +
  `${restarted.length} peer(s) restarted by the supervisor (${restarted.map(p => p.name).join(', ') || 'none'})\n`)
const verdict = tally.failed === 0 && tally.wrong === 0 && lost === 0
process.stdout.write(verdict ? 'OK: no call lost.\n' : 'FAILED: calls were lost.\n')
await client.stop()
await sup.stopAll()
process.stdout.write('all peers stopped gracefully.\n')
process.exit(verdict ? 0 : 1)
