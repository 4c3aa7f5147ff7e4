/**
 * A Jepsen-style run against the example peers: 5 example-peer processes (one with its store's clock 2 s ahead)
 * and 2 client processes, each in its own network namespace (or on 127.0.0.1 where namespaces cannot be made:
 * then without the partition), a nemesis that SIGKILLs a peer and restarts it with its identity, freezes one
 * with SIGSTOP for 8 s, and partitions the peers 2/3 and heals, waiting after each fault for one view again;
 * then the recorded history goes through the checker (checker.ts).
 *
 *   node test/dist/src/jepsen/run.js [--seconds 300] [--runs 1]     (npm run test:jepsen)
 */
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { PEER_SCRIPT } from '@peercall/examples/launcher'
import { check } from './checker.js'
import { latencyDuring } from './latency.js'
import { PrivateNet, available } from './netns.js'
import type { ChildProcess } from 'node:child_process'
import type { Report } from './checker.js'
import type { Latency, Window } from './latency.js'
import type { Convergence, Op } from './history.js'

const here = dirname(fileURLToPath(import.meta.url))
const CLIENT_JS = join(here, 'client.js')

export const PEERS = 5
export const CLIENTS = 2
/** The skewed peer's clock offset, ms (the Jepsen plan's 2 s). */
export const CLOCK_OFFSET_MS = 2000
/** How long a frozen peer stays frozen, ms (the Jepsen plan's 8 s). */
export const FREEZE_MS = 8000
/** How long a killed peer stays down before its restart, ms. */
export const DOWN_MS = 3000
/** Quiet time between one fault's heal (and convergence) and the next fault, ms. */
export const GAP_MS = 2000
/** Waiting for a process's first line, ms. */
const START_TIMEOUT_MS = 60_000

export interface JepsenOptions {
  /** Workload length, s. */
  seconds: number
  /** Partition length, ms. @default 15000 */
  partitionMs?: number
  log?: (line: string) => void
}

export interface JepsenResult {
  report: Report
  faults: string[]
  namespaces: boolean
  wallMs: number
  /** the reads and writes that started while the peers were partitioned */
  duringPartitions: Latency
}

interface Proc {
  child: ChildProcess
  lines: AsyncIterator<string>
  waiters: Array<(event: any) => void>
  events: any[]
}

function watch (child: ChildProcess): Proc {
  const p: Proc = { child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator](), waiters: [], events: [] }
  void (async () => {
    for (;;) {
      const r = await p.lines.next()
      if (r.done === true) break
      let e: any
      try { e = JSON.parse(r.value) } catch { continue }
      p.events.push(e)
      for (const w of p.waiters.splice(0)) w(e)
    }
  })()
  return p
}

/** The first event (already seen or to come) that `match` accepts, within `ms`. */
async function event (p: Proc, match: (e: any) => boolean, ms: number, what: string): Promise<any> {
  const deadline = Date.now() + ms
  let seen = 0
  for (;;) {
    for (; seen < p.events.length; seen++) if (match(p.events[seen])) return p.events.splice(seen, 1)[0]
    const left = deadline - Date.now()
    if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise<void>(resolve => {
      const t = setTimeout(resolve, left)
      p.waiters.push(() => { clearTimeout(t); resolve() })
    })
  }
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

export async function runJepsen (options: JepsenOptions): Promise<JepsenResult> {
  const log = options.log ?? (() => {})
  const began = Date.now()
  const partitionMs = options.partitionMs ?? 15_000
  const namespaces = await available()
  const net = namespaces ? new PrivateNet() : undefined
  const dir = await mkdtemp(join(tmpdir(), 'jepsen-'))
  const cluster = `jepsen-${process.pid}`
  const peers: Array<Proc | undefined> = []
  const clients: Proc[] = []
  const ids: string[] = []
  const addrs: string[] = []
  const faults: string[] = []
  const partitions: Window[] = []
  const ip = (i: number): string => net?.ip(i) ?? '127.0.0.1'
  const port = (i: number): number => namespaces ? 4001 : 0

  const spawnIn = (host: number, argv: string[], env: NodeJS.ProcessEnv = {}): ChildProcess => {
    const [cmd, args] = net !== undefined ? net.exec(host, [process.execPath, ...argv]) : [process.execPath, argv]
    // JEPSEN_TRACE=<dir>: each process's stderr, with the store's trace (PEERCALL_KV_TRACE), kept in that directory
    const traceDir = process.env.JEPSEN_TRACE
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', traceDir === undefined ? 'ignore' : 'pipe'], env: { ...process.env, ...env, ...(traceDir !== undefined ? { PEERCALL_KV_TRACE: '1' } : {}) } })
    if (traceDir !== undefined) child.stderr?.pipe(createWriteStream(join(traceDir, `host-${host}.log`), { flags: 'a' }))
    return child
  }
  const startPeer = async (i: number, bootstrap: string[]): Promise<void> => {
    const listen = namespaces ? `/ip4/${ip(i)}/tcp/${port(i)}` : '/ip4/127.0.0.1/tcp/0'
    const child = spawnIn(i, [PEER_SCRIPT, '--listen', listen, '--identity', join(dir, `peer-${i}.key`), '--profile', 'fast', '--cluster', cluster,
      ...bootstrap.flatMap(b => ['--bootstrap', b])], i === PEERS - 1 ? { PEERCALL_CLOCK_OFFSET_MS: String(CLOCK_OFFSET_MS) } : {})
    const p = watch(child)
    peers[i] = p
    const e = await event(p, x => x.event === 'listening', START_TIMEOUT_MS, `peer ${i} listening`)
    ids[i] = e.peerId
    addrs[i] = e.multiaddrs[0]
  }
  const others = (i: number): string[] => addrs.filter((a, j) => j !== i && a !== undefined)

  try {
    if (net !== undefined) await net.setup(PEERS + CLIENTS)
    await startPeer(0, [])
    for (let i = 1; i < PEERS; i++) await startPeer(i, [addrs[0]])
    faults.push(`clock: peer ${PEERS - 1}'s store clock ${CLOCK_OFFSET_MS} ms ahead for the whole run`)
    for (let c = 0; c < CLIENTS; c++) {
      const host = PEERS + c
      const child = spawnIn(host, [CLIENT_JS, '--id', String(c), '--listen', `/ip4/${ip(host)}/tcp/${port(host)}`, '--cluster', cluster,
        '--clients', String(CLIENTS), '--out', join(dir, `client-${c}.jsonl`), ...addrs.slice(0, 2).flatMap(a => ['--bootstrap', a]), ...ids.flatMap(id => ['--peer', id])])
      clients.push(watch(child))
    }
    for (const [c, p] of clients.entries()) await event(p, e => e.event === 'ready', 90_000, `client ${c} ready`)
    log(`cluster ready after ${Date.now() - began} ms; workload ${options.seconds} s`)

    const t0 = Date.now()
    const end = t0 + options.seconds * 1000
    for (const p of clients) p.child.stdin!.write('go\n')
    const heals: Convergence[] = []
    const converge = async (label: string): Promise<void> => {
      clients[0].child.stdin!.write(`converge ${label.replace(/\s+/g, '_')}\n`)
      const e = await event(clients[0], x => x.event === 'converged', 40_000, `convergence after ${label}`)
      heals.push({ label, at: e.at, ms: e.ms })
      log(`${label}: one view after ${Math.round(e.ms)} ms${e.ms < 0 ? ` (client 0 sees ${JSON.stringify(e.view)}, connected to ${JSON.stringify(e.connected)}, statuses ${JSON.stringify(e.statuses)})` : ''}`)
    }
    const at = (): string => `${((Date.now() - t0) / 1000).toFixed(1)} s`
    let round = 0
    await sleep(GAP_MS)
    // every kind of fault once, then more rounds while the workload time lasts
    while (true) {
      const kind = round % 3
      const need = kind === 0 ? DOWN_MS : kind === 1 ? FREEZE_MS : partitionMs
      if (round >= 3 && end - Date.now() < need + 12_000) break
      if (kind === 0) {
        const v = 1 + (round % (PEERS - 1))
        faults.push(`${at()}: SIGKILL peer ${v}, restarted with its identity after ${DOWN_MS} ms`)
        peers[v]!.child.kill('SIGKILL')
        await sleep(DOWN_MS)
        await startPeer(v, others(v))
        await converge(`restart of peer ${v}`)
      } else if (kind === 1) {
        const v = (round + 1) % PEERS
        faults.push(`${at()}: SIGSTOP peer ${v} for ${FREEZE_MS} ms, then SIGCONT`)
        peers[v]!.child.kill('SIGSTOP')
        await sleep(FREEZE_MS)
        peers[v]!.child.kill('SIGCONT')
        await converge(`thaw of peer ${v}`)
      } else if (net === undefined) {
        faults.push(`${at()}: no partition (network namespaces need root and iproute2)`)
      } else {
        const shift = round % PEERS
        const a = [0, 1].map(k => (k + shift) % PEERS)
        const b = [2, 3, 4].map(k => (k + shift) % PEERS)
        faults.push(`${at()}: partition peers [${a.join(', ')}] | [${b.join(', ')}] for ${partitionMs} ms, then heal`)
        await net.partition(a, b)
        const from = Date.now()
        await sleep(partitionMs)
        await net.heal()
        partitions.push({ from, to: Date.now() })
        await converge(`heal of partition ${a.join('')}|${b.join('')}`)
      }
      round++
      await sleep(GAP_MS)
    }
    await sleep(Math.max(GAP_MS, end - Date.now()))
    for (const p of clients) p.child.stdin!.write('stop\n')
    for (const [c, p] of clients.entries()) await event(p, e => e.event === 'done', 30_000, `client ${c} done`)
    await converge('end of run')
    clients[0].child.stdin!.write('final\n')
    await event(clients[0], e => e.event === 'final-done', 120_000, 'final reads')
    const ops: Op[] = []
    for (let c = 0; c < CLIENTS; c++) {
      const text = await readFile(join(dir, `client-${c}.jsonl`), 'utf8')
      for (const line of text.split('\n')) if (line.trim() !== '') ops.push(JSON.parse(line))
    }
    // JEPSEN_HISTORY=<file>: keep the merged history (JSON lines, times relative to the workload's start)
    if (process.env.JEPSEN_HISTORY !== undefined) {
      await writeFile(process.env.JEPSEN_HISTORY, ops.map(o => JSON.stringify({ ...o, start: o.start - t0, end: o.end - t0 })).join('\n') + '\n')
    }
    return { report: check(ops, heals, undefined, t0), faults, namespaces, wallMs: Date.now() - began, duringPartitions: latencyDuring(ops, partitions) }
  } finally {
    for (const p of clients) { p.child.stdin?.write('exit\n'); p.child.kill('SIGKILL') }
    for (const p of peers) { p?.child.kill('SIGCONT'); p?.child.kill('SIGKILL') }
    await Promise.all([...clients, ...peers].map(async p => {
      if (p === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return
      await new Promise(resolve => p.child.once('exit', resolve))
    }))
    await net?.teardown()
    await rm(dir, { recursive: true, force: true })
  }
}

/** One line of figures for a run. */
export function summary (r: JepsenResult): string {
  const x = r.report
  const heals = x.heals.map(h => Math.round(h.ms)).join('/')
  return `ops ${x.ops}, writes ${x.writes} (acked ${x.ackedWrites}, failed ${x.failedWrites}, indeterminate ${x.indeterminateWrites}), reads checked ${x.readsChecked}, final reads ${x.finalReads}, calculator calls ${x.calcs}, faults ${r.faults.length}, heal convergence ms ${heals}, anomalies ${x.anomalies.length}, wall ${Math.round(r.wallMs / 1000)} s${r.namespaces ? '' : ' (no namespaces: no partition)'}`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { seconds: { type: 'string' }, runs: { type: 'string' }, partition: { type: 'string' } } })
  const runs = Number(values.runs ?? 1)
  let failed = false
  for (let i = 0; i < runs; i++) {
    const r = await runJepsen({ seconds: Number(values.seconds ?? 300), partitionMs: values.partition === undefined ? 20_000 : Number(values.partition), log: s => { console.error(s) } })
    for (const f of r.faults) console.log(`  fault ${f}`)
    for (const a of r.report.anomalies.slice(0, 50)) console.log(`  ANOMALY ${a.kind}: ${a.detail}`)
    console.log(`run ${i + 1}: ${summary(r)}`)
    const p = r.duringPartitions
    if (p.ops > 0) console.log(`  during partitions: ops ${p.ops}, slower than 300 ms ${p.slow} (${(100 * p.slow / p.ops).toFixed(1)}%), slower than 1 s ${p.overSecond}, p99 read ${Math.round(p.p99ReadMs)} ms, p99 write ${Math.round(p.p99WriteMs)} ms`)
    if (r.report.anomalies.length > 0) failed = true
  }
  process.exit(failed ? 1 : 0)
}
