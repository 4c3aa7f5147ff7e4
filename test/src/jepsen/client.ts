/**
 * A client process of the Jepsen-style test: a peercall node that joins the cluster of example peers and runs
 * register workers on the example's `kvClient` (each worker writes its own keys, one write at a time, and reads
 * every client's keys) and idempotent Calculator callers, recording every operation. Driven by lines on stdin:
 *
 *   go                  start the workload
 *   stop                stop it and write the history (JSON lines) to --out
 *   converge <label>    measure how long until every peer sees every other alive and ready (one view)
 *   final               read every key once more (after the last heal) and append those reads to the history
 *   exit                stop the node and exit
 *
 * and answering with JSON lines on stdout ({"event":"ready"}, {"event":"done"}, {"event":"converged",...}).
 */
import { appendFileSync, writeFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { createNode, RpcError } from '@peercall/core'
import { kvClient } from '@peercall/examples/kv-replica'
import { valueOf } from './history.js'
import type { Op } from './history.js'
import type { KvStatus } from '@peercall/examples/kv-replica'

const { values } = parseArgs({
  options: {
    id: { type: 'string' },
    listen: { type: 'string' },
    bootstrap: { type: 'string', multiple: true },
    cluster: { type: 'string' },
    peer: { type: 'string', multiple: true },
    clients: { type: 'string' },
    workers: { type: 'string' },
    keys: { type: 'string' },
    calc: { type: 'string' },
    out: { type: 'string' }
  }
})

const id = Number(values.id ?? 0)
const CLIENTS = Number(values.clients ?? 2)
const WORKERS = Number(values.workers ?? 4)
const KEYS = Number(values.keys ?? 4)
const CALC = Number(values.calc ?? 1)
const out = values.out ?? `/tmp/jepsen-client-${id}.jsonl`
const peers = values.peer ?? []
/** A client's budget per call, ms (the example's kvClient default). */
const CALL_TIMEOUT_MS = 2000
/** Time between a worker's operations, ms: a steady load, not a flood, on a shared 2-core machine. */
const THINK_MS = 5
/** How long a convergence is waited for before it is reported as not converged, ms. */
const CONVERGE_LIMIT_MS = 30_000

const emit = (event: Record<string, unknown>): void => { process.stdout.write(JSON.stringify(event) + '\n') }
const now = (): number => performance.timeOrigin + performance.now()
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

const node = await createNode({
  listen: [values.listen ?? '/ip4/127.0.0.1/tcp/0'],
  bootstrap: values.bootstrap ?? [],
  cluster: values.cluster,
  membership: { profile: 'fast' }
})
const kv = kvClient(node, CALL_TIMEOUT_MS)
const history: Op[] = []
let running = false
let workload: Promise<unknown> | undefined

const keyName = (c: number, w: number, k: number): string => `c${c}w${w}k${k}`
const allKeys = (): string[] => {
  const keys: string[] = []
  for (let c = 0; c < CLIENTS; c++) for (let w = 0; w < WORKERS; w++) for (let k = 0; k < KEYS; k++) keys.push(keyName(c, w, k))
  return keys
}

/** The outcome of a failed call: a write that may have run is indeterminate. */
function failure (err: unknown): { outcome: 'fail' | 'info', error: string } {
  const e = err as RpcError
  const error = `${e?.code ?? 'ERROR'} ${e?.message ?? String(err)}`.slice(0, 300)
  return { outcome: err instanceof RpcError && !e.mayHaveExecuted ? 'fail' : 'info', error }
}

async function status (peer: string): Promise<KvStatus | undefined> {
  return await node.call<KvStatus>('ReplicatedKV', 'status', [], { peer, timeoutMs: 1000 }).catch(() => undefined)
}

async function oneView (): Promise<boolean> {
  const seen = node.members().filter(m => m.state === 'alive' && peers.includes(m.peerId)).length
  if (seen !== peers.length) return false
  const all = await Promise.all(peers.map(status))
  return all.every(s => s !== undefined && s.ready && s.alive === peers.length)
}

async function worker (w: number): Promise<void> {
  const seq = new Map<string, number>()
  const keys = allKeys()
  let i = 0
  while (running) {
    i++
    if (i % 2 === 0) {
      const key = keyName(id, w, Math.floor(Math.random() * KEYS))
      const s = (seq.get(key) ?? 0) + 1
      seq.set(key, s)
      const value = valueOf(key, s)
      const start = now()
      try {
        await kv.put(key, value)
        history.push({ process: `c${id}w${w}`, f: 'write', key, value, start, end: now(), outcome: 'ok' })
      } catch (err) {
        history.push({ process: `c${id}w${w}`, f: 'write', key, value, start, end: now(), ...failure(err) })
      }
    } else {
      const key = keys[Math.floor(Math.random() * keys.length)]
      const start = now()
      try {
        const v = await kv.get(key)
        history.push({ process: `c${id}w${w}`, f: 'read', key, value: v === undefined ? null : String(v), start, end: now(), outcome: 'ok' })
      } catch (err) {
        history.push({ process: `c${id}w${w}`, f: 'read', key, value: null, start, end: now(), outcome: 'fail', error: failure(err).error })
      }
    }
    await sleep(THINK_MS)
  }
}

async function calculator (k: number): Promise<void> {
  while (running) {
    const a = Math.floor(Math.random() * 1000)
    const b = Math.floor(Math.random() * 1000)
    const start = now()
    try {
      const r = await node.call<number>('Calculator', 'add', [a, b], { timeoutMs: CALL_TIMEOUT_MS, idempotent: true })
      history.push({ process: `c${id}calc${k}`, f: 'calc', start, end: now(), outcome: r === a + b ? 'ok' : 'fail', ...(r === a + b ? {} : { error: `add(${a}, ${b}) = ${r}` }) })
    } catch (err) {
      history.push({ process: `c${id}calc${k}`, f: 'calc', start, end: now(), outcome: 'fail', error: failure(err).error })
    }
    await sleep(THINK_MS)
  }
}

async function converge (label: string): Promise<void> {
  const at = now()
  while (now() - at < CONVERGE_LIMIT_MS) {
    if (await oneView()) { emit({ event: 'converged', label, at, ms: now() - at }); return }
    await sleep(100)
  }
  // not converged: what this client sees, for the report
  const view = node.members().map(m => `${m.peerId.slice(-6)}:${m.state}:${m.incarnation}`)
  const statuses = await Promise.all(peers.map(async p => [p.slice(-6), await status(p)]))
  emit({ event: 'converged', label, at, ms: -1, view, statuses, connected: node.connectedPeers().map(p => p.slice(-6)) })
}

async function final (): Promise<void> {
  const ops: Op[] = []
  const keys = allKeys()
  for (let i = 0; i < keys.length; i += 8) {
    await Promise.all(keys.slice(i, i + 8).map(async key => {
      const start = now()
      try {
        const v = await kv.get(key)
        ops.push({ process: `c${id}final`, f: 'final-read', key, value: v === undefined ? null : String(v), start, end: now(), outcome: 'ok' })
      } catch (err) {
        ops.push({ process: `c${id}final`, f: 'final-read', key, value: null, start, end: now(), outcome: 'fail', error: failure(err).error })
      }
    }))
  }
  appendFileSync(out, ops.map(o => JSON.stringify(o) + '\n').join(''))
}

// ready once every peer's store is ready and seen alive
const readyBy = now() + 60_000
while (!(await oneView())) {
  if (now() > readyBy) { emit({ event: 'error', error: 'cluster not ready within 60 s' }); process.exit(1) }
  await sleep(200)
}
emit({ event: 'ready', peerId: node.peerId })

const lines = createInterface({ input: process.stdin })
for await (const line of lines) {
  const [cmd, arg] = line.trim().split(/\s+/)
  if (cmd === 'go') {
    running = true
    workload = Promise.all([
      ...Array.from({ length: WORKERS }, async (_, w) => { await worker(w) }),
      ...Array.from({ length: CALC }, async (_, k) => { await calculator(k) })
    ])
  } else if (cmd === 'stop') {
    running = false
    await workload
    writeFileSync(out, history.map(o => JSON.stringify(o) + '\n').join(''))
    emit({ event: 'done', ops: history.length })
  } else if (cmd === 'converge') {
    void converge(arg ?? 'heal')
  } else if (cmd === 'final') {
    await final()
    emit({ event: 'final-done' })
  } else if (cmd === 'exit') {
    break
  }
}
await node.stop().catch(() => {})
process.exit(0)
