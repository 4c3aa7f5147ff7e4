/**
 * `npm run bench:stack`: what a lone round trip costs on the transport stack, with and without the patches in
 * patches/, on a bare libp2p stream and for a pinned peercall call. One client/server pair of processes per variant, all started at once; the variants take turns (a
 * slice of `--slice` ms each, the order rotated every round) so that the machine's noise falls on all of them.
 * Per variant: round trips per second (median over slices, and its ratio to raw node:net in the same rounds), CPU
 * per round trip of both processes together (/proc/<pid>/stat and process.cpuUsage), socket writes per round trip
 * per side (`syscw` of /proc/<pid>/io) and promises created per round trip per side (async_hooks, counted apart
 * from the timed slices). `--write` puts the table in docs/benchmarks-stack.md.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { processCpuMs } from '../harness/cpu.js'
import { fmtInt } from '../harness/format.js'
import { spawnNode, type Child } from '../harness/spawn.js'
import { median } from '../harness/stats.js'
import { listPatches, preparePristine, pristineEnv, type Patch } from './pristine.js'

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
const CHILD = fileURLToPath(new URL('./child.js', import.meta.url))
const REGISTER = fileURLToPath(new URL('./register.js', import.meta.url))
/** Rounds of slices (each variant runs once per round); 10 rounds of 0.7 s is about 30 s for four variants. */
const DEFAULT_ROUNDS = 10
/** One variant's turn, in ms: long enough for thousands of round trips, short enough to interleave often. */
const DEFAULT_SLICE_MS = 700
/** Round trips counted with the promise hook on. */
const PROMISE_ROUND_TRIPS = 1000
/** Bound on any one child's answer, in ms (start-up of a libp2p node on a loaded machine included). */
const ANSWER_MS = 60_000

interface Variant { label: string, kind: 'net' | 'libp2p' | 'peercall', pristine: Patch[] }
interface Running { variant: Variant, server: Child, client: Child }
interface Totals { rates: number[], ratios: number[], count: number, cpuMs: number, serverWrites: number, clientWrites: number }

function arg (name: string, fallback: number): number {
  const i = process.argv.indexOf(name)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}

function syscw (pid: number): number {
  return Number(/^syscw: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? NaN)
}

function variants (patches: Patch[]): Variant[] {
  const list: Variant[] = [
    { label: 'raw node:net echo', kind: 'net', pristine: [] },
    { label: 'libp2p, unpatched', kind: 'libp2p', pristine: patches },
    { label: 'libp2p, patched (as installed)', kind: 'libp2p', pristine: [] },
    { label: 'peercall pinned, unpatched', kind: 'peercall', pristine: patches },
    { label: 'peercall pinned, patched (as installed)', kind: 'peercall', pristine: [] }
  ]
  if (patches.length > 1) {
    for (const p of patches) list.push({ label: `libp2p, patched but ${p.pkg}`, kind: 'libp2p', pristine: [p] })
  }
  return list
}

async function start (variant: Variant): Promise<Running> {
  const env = variant.pristine.length > 0 ? pristineEnv(variant.pristine) : undefined
  const flags = variant.pristine.length > 0 ? ['--import', REGISTER] : []
  const server = spawnNode(CHILD, ['server', variant.kind], `${variant.label} server`, undefined, env, flags)
  const { address } = await server.waitFor<{ address: string }>('address', ANSWER_MS)
  const client = spawnNode(CHILD, ['client', variant.kind, address], `${variant.label} client`, undefined, env, flags)
  await client.waitFor('ready', ANSWER_MS)
  return { variant, server, client }
}

async function slice (r: Running, ms: number): Promise<{ count: number, ms: number, cpuMs: number, serverWrites: number, clientWrites: number }> {
  const s0 = processCpuMs(r.server.pid) ?? NaN
  const w0 = [syscw(r.server.pid), syscw(r.client.pid)]
  r.client.send({ run: ms })
  const { ran } = await r.client.waitForNext<{ ran: { count: number, ms: number, cpuUs: number } }>('ran', ANSWER_MS)
  const s1 = processCpuMs(r.server.pid) ?? NaN
  const w1 = [syscw(r.server.pid), syscw(r.client.pid)]
  // the client's one stdout line per slice is not a socket write
  return { count: ran.count, ms: ran.ms, cpuMs: s1 - s0 + ran.cpuUs / 1000, serverWrites: w1[0] - w0[0], clientWrites: w1[1] - w0[1] - 1 }
}

async function promisesPerRoundTrip (r: Running): Promise<{ client: number, server: number }> {
  r.server.send({ count: true })
  r.client.send({ promises: PROMISE_ROUND_TRIPS })
  const { promiseCount } = await r.client.waitForNext<{ promiseCount: number }>('promiseCount', ANSWER_MS)
  r.server.send({ count: false })
  const { serverPromises } = await r.server.waitForNext<{ serverPromises: number }>('serverPromises', ANSWER_MS)
  return { client: promiseCount / PROMISE_ROUND_TRIPS, server: serverPromises / PROMISE_ROUND_TRIPS }
}

async function main (): Promise<void> {
  const rounds = arg('--rounds', DEFAULT_ROUNDS)
  const sliceMs = arg('--slice', DEFAULT_SLICE_MS)
  const patches = listPatches(ROOT)
  preparePristine(ROOT, patches)
  const running: Running[] = []
  try {
    for (const v of variants(patches)) running.push(await start(v))
    const totals = new Map<Running, Totals>(running.map(r => [r, { rates: [], ratios: [], count: 0, cpuMs: 0, serverWrites: 0, clientWrites: 0 }]))
    for (const r of running) await slice(r, 200) // warm-up turn
    for (let round = 0; round < rounds; round++) {
      const order = running.map((_, i) => running[(i + round) % running.length])
      const rates = new Map<Running, number>()
      for (const r of order) {
        const s = await slice(r, sliceMs)
        const t = totals.get(r)!
        rates.set(r, s.count / s.ms * 1000)
        t.rates.push(s.count / s.ms * 1000)
        t.count += s.count
        t.cpuMs += s.cpuMs
        t.serverWrites += s.serverWrites
        t.clientWrites += s.clientWrites
      }
      for (const r of running) totals.get(r)!.ratios.push(rates.get(r)! / rates.get(running[0])!)
      process.stderr.write(`round ${round + 1}/${rounds}\n`)
    }
    const rows: string[] = []
    for (const r of running) {
      const t = totals.get(r)!
      const p = await promisesPerRoundTrip(r)
      rows.push(`| ${r.variant.label} | ${fmtInt(median(t.rates))} | ${median(t.ratios).toFixed(2)} | ${fmtInt(t.cpuMs * 1000 / t.count)} | ${(t.clientWrites / t.count).toFixed(2)} / ${(t.serverWrites / t.count).toFixed(2)} | ${Math.round(p.client)} / ${Math.round(p.server)} |`)
    }
    const table = [
      '| variant | round trips/s (median) | x raw net (median of per-round ratios) | CPU µs per round trip, both processes | socket writes per round trip, client / server | promises per round trip, client / server |',
      '|---|---|---|---|---|---|',
      ...rows
    ].join('\n')
    const header = `Lone round trips across two processes (26-byte echo; peercall: an echo call of 16 characters), ${rounds} rounds of ${sliceMs} ms slices per variant, interleaved; patches: ${patches.map(p => p.name).join(', ')}`
    console.log(header + '\n\n' + table)
    const out = process.argv.includes('--write') ? `${ROOT}docs/benchmarks-stack.md` : undefined
    if (out !== undefined) writeFileSync(out, `${header}\n\n${table}\n`)
  } finally {
    for (const r of running) { await r.client.stop(); await r.server.stop() }
  }
}

main().catch(err => { console.error(err); process.exit(1) })
