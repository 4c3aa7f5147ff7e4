/**
 * `node bench/dist/src/scale/memory.js [--peers 32] [--settle 60000] [--variant 'name=--flag ENV=value']...`:
 * the memory of idle example peers (the launcher's `PEER_SCRIPT`, LAN profile, as the scale benchmark starts them)
 * in one cluster of `peers` processes and one in-process observer. With variants, the peers take them in turn
 * (peer i runs variant i mod k), so that every variant is measured in the same cluster at the same time and the
 * machine's noise falls on all alike. Waits until the observer sees every peer alive, lets the cluster settle, then
 * prints per variant the median over its peers of RSS, anonymous and file-backed RSS (`/proc/<pid>/status`), threads,
 * open sockets and TCP connections to the other members, and for the cluster the connections beyond one per pair
 * (both sides of a pair dialled), and the CPU each variant's peers used over the settling time (% of a core, median).
 * A variant's `PEER_SCRIPT=<file>` entry (relative to the current directory) runs that script instead of the
 * launcher's `PEER_SCRIPT` (the bundle when it is current, else the modules: printed at the start), e.g.
 * `PEER_SCRIPT=examples/dist/src/peer.js` for the peer loaded as separate modules.
 * `--keep`: leaves the cluster running until Ctrl-C (to inspect a
 * peer by hand).
 */
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { createNode } from '@peercall/core'
import { PEER_ENV, PEER_NODE_FLAGS, PEER_SCRIPT } from '@peercall/examples/launcher'
import type { ChildProcess } from 'node:child_process'
import { splitVariant, variantArgs } from '../harness/variants.js'
import { procCpuSeconds } from './procio.js'
import { connectionsAmong } from './sockets.js'
import { median, sleep, waitFor } from './stats.js'

const CLUSTER = 'memory-bench'
/** Longest wait for a peer's `listening` line, ms (the scale benchmark's: 27 s measured at a load average of 28 on 2 cores). */
const LISTEN_TIMEOUT_MS = 120_000
/** Starts tried per peer (a start that times out on an overloaded machine is tried once more). */
const START_ATTEMPTS = 2
/** Longest wait for the observer to see every peer alive, ms. */
const CONVERGE_TIMEOUT_MS = 180_000
/** Peers started at once. */
const START_PARALLEL = 4

function arg (name: string, fallback: string): string {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : fallback
}

interface Peer { child: ChildProcess, peerId: string, addr: string, variant: string }
interface Sample { rss: number, anon: number, file: number, threads: number, sockets: number }

const children: ChildProcess[] = []
process.on('exit', () => { for (const c of children) { try { c.kill('SIGKILL') } catch { /* gone */ } } })
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { process.exit(130) })

/** The script a variant's peers run: its `PEER_SCRIPT=` entry (from the current directory), else the launcher's. */
function scriptOf (spec: string[]): string {
  const given = splitVariant(spec).env.PEER_SCRIPT
  return given === undefined ? PEER_SCRIPT : resolve(given)
}

async function startPeer (variant: string, spec: string[], bootstrap: string[]): Promise<Peer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(variant, spec, bootstrap)
    } catch (err) {
      if (attempt >= START_ATTEMPTS) throw err
    }
  }
}

async function startOnce (variant: string, spec: string[], bootstrap: string[]): Promise<Peer> {
  const { flags, env: { PEER_SCRIPT: _, ...env } } = splitVariant(spec)
  const args = [...flags, scriptOf(spec), '--listen', '/ip4/127.0.0.1/tcp/0', '--cluster', CLUSTER, '--profile', 'lan', '--quiet']
  for (const b of bootstrap) args.push('--bootstrap', b)
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } })
  children.push(child)
  const lines = createInterface({ input: child.stdout! })
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('peer did not report listening in time')) }, LISTEN_TIMEOUT_MS)
    lines.on('line', line => {
      try {
        const msg = JSON.parse(line) as { event?: string, peerId?: string, multiaddrs?: string[] }
        if (msg.event === 'listening') { clearTimeout(timer); resolve({ child, peerId: msg.peerId!, addr: msg.multiaddrs![0], variant }) }
      } catch { /* not JSON */ }
    })
  })
}

function sample (pid: number): Sample | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8')
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN)
    const sockets = readdirSync(`/proc/${pid}/fd`).filter(fd => readlinkSafe(`/proc/${pid}/fd/${fd}`).startsWith('socket:')).length
    return { rss: field('VmRSS') * 1024 / 1e6, anon: field('RssAnon') * 1024 / 1e6, file: field('RssFile') * 1024 / 1e6, threads: field('Threads'), sockets }
  } catch {
    return undefined
  }
}

function readlinkSafe (path: string): string {
  try { return readlinkSync(path) } catch { return '' }
}

async function main (): Promise<void> {
  const n = Number(arg('--peers', '32'))
  const settleMs = Number(arg('--settle', '60000'))
  const extra = variantArgs(process.argv)
  const variants: Record<string, string[]> = Object.keys(extra).length > 0 ? extra : { default: [...PEER_NODE_FLAGS, ...Object.entries(PEER_ENV).map(([k, v]) => `${k}=${v}`)] }
  const names = Object.keys(variants)
  for (const name of names) {
    process.stderr.write(`${name}: peers run ${scriptOf(variants[name])}\n`)
  }
  const t0 = performance.now()
  const seed = await startPeer(names[0], variants[names[0]], [])
  const peers = [seed]
  while (peers.length < n) {
    const batch = Math.min(START_PARALLEL, n - peers.length)
    peers.push(...await Promise.all(Array.from({ length: batch }, async (_, j) => {
      const name = names[(peers.length + j) % names.length]
      return await startPeer(name, variants[name], [seed.addr])
    })))
  }
  const observer = await createNode({ bootstrap: [seed.addr], cluster: CLUSTER, membership: { profile: 'lan' } })
  const ids = new Set(peers.map(p => p.peerId))
  const alive = (): number => observer.members().filter(m => ids.has(m.peerId) && m.state === 'alive').length
  const converged = await waitFor(() => alive() === n, CONVERGE_TIMEOUT_MS, 200)
  process.stderr.write(`${n} peers ${converged ? 'converged' : `NOT converged (${alive()} alive)`} in ${((performance.now() - t0) / 1000).toFixed(1)} s; settling ${settleMs / 1000} s\n`)
  const cpu0 = new Map(peers.map(p => [p.child.pid!, procCpuSeconds(p.child.pid!)]))
  const settleStart = performance.now()
  await sleep(settleMs)
  const settledSecs = (performance.now() - settleStart) / 1000
  const cpuPercent = (pid: number): number => {
    const a = cpu0.get(pid)
    const b = procCpuSeconds(pid)
    return a === undefined || b === undefined ? NaN : (b - a) / settledSecs * 100
  }
  const conns = connectionsAmong([process.pid, ...peers.map(p => p.child.pid!)])
  const out: Record<string, unknown> = {}
  for (const name of names) {
    const s = peers.filter(p => p.variant === name).map(p => sample(p.child.pid!)).filter((x): x is Sample => x !== undefined)
    const med = (f: (x: Sample) => number): number => Math.round(median(s.map(f)) * 10) / 10
    out[name] = { peers: s.length, rssMB: med(x => x.rss), anonMB: med(x => x.anon), fileMB: med(x => x.file), threads: med(x => x.threads), sockets: med(x => x.sockets), connections: median(peers.filter(p => p.variant === name).map(p => conns.perPid.get(p.child.pid!) ?? 0)), rssMaxMB: Math.round(Math.max(...s.map(x => x.rss)) * 10) / 10, cpuPercent: Math.round(median(peers.filter(p => p.variant === name).map(p => cpuPercent(p.child.pid!)).filter(Number.isFinite)) * 100) / 100 }
  }
  console.log(JSON.stringify({ peers: n, settleMs, converged, connectedPairs: conns.pairs, extraConnections: conns.extra, load1: Math.round(Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]) * 100) / 100, variants: out }))
  if (process.argv.includes('--keep')) {
    process.stderr.write(`pids: ${peers.map(p => `${p.variant}:${p.child.pid!}`).join(' ')}\n`)
    await new Promise(() => {})
  }
  await observer.stop()
  for (const p of peers) p.child.kill('SIGKILL')
  process.exit(0)
}

await main()
