/**
 * `node bench/dist/src/seq/main.js [--targets peercall,peercall-pinned] [--rounds 16] [--slice 1000] [--warmup 3000]
 * [--idle 0] [--count] [--fresh --slices 8]`: sequential 16-byte echo calls of several targets, compared in the same
 * minutes. One server and one client process per target are started first and warmed up (`--warmup` ms of calls
 * each, past most of the JIT's ramp); then the targets take turns, one slice of `--slice` ms each per round, the
 * order reversed every round, so that the load of other work on the machine falls on all of them. Prints per target
 * the medians over the rounds (calls/s, p50, p99, client and server CPU µs per call, socket writes per call) and,
 * per round, each target's p50 and client CPU against the first target's. `--idle MS` then measures each client's
 * CPU with no calls (its background work: membership, gossip); `--count` counts the async resources (promises,
 * microtasks, timers, immediates) each client makes per call (an async hook, which slows the calls: read the
 * counts, not the times).
 *
 * `--fresh`: as `npm run bench` measures, a fresh server and client per target and round (the targets alternating),
 * `--warmup` ms of calls, then `--slices` slices of `--slice` ms in a row: prints the medians over the rounds per
 * slice, which show how far into the JIT's ramp (docs/performance.md, "The first calls of a fresh process") a
 * measured window lies.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { processCpuMs } from '../harness/cpu.js'
import { startServers, type ServerGroup } from '../harness/servers.js'
import { median } from '../harness/stats.js'
import { isTargetName, type TargetName } from '../targets/index.js'
import type { Command, IdleResult, SliceResult } from './client.js'

const CLIENT = fileURLToPath(new URL('./client.js', import.meta.url))

function arg (name: string, fallback: string): string {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : fallback
}

interface Row extends SliceResult { serverCpuUs: number }

interface Subject {
  target: TargetName
  servers: ServerGroup
  client: ChildProcess
  rows: Row[]
}

/** Sends a command to a client child and resolves with its answer. */
async function ask<T> (child: ChildProcess, command: Command): Promise<T> {
  return await new Promise<T>((resolve, reject) => {
    const onExit = (code: number | null): void => { reject(new Error(`client exited (${code}) before answering`)) }
    child.once('exit', onExit)
    child.once('message', (m) => { child.off('exit', onExit); resolve(m as T) })
    child.send(command)
  })
}

function serversCpuMs (group: ServerGroup): number {
  return group.pids.reduce((sum, pid) => sum + (processCpuMs(pid) ?? Number.NaN), 0)
}

/** Starts a server and a client child of `target`; resolves once the client is connected. */
async function startSubject (target: TargetName, env: NodeJS.ProcessEnv): Promise<Subject> {
  const servers = await startServers(target, 1)
  const client = fork(CLIENT, [target, JSON.stringify(servers.addresses)], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const subject = { target, servers, client, rows: [] }
  try {
    await new Promise((resolve, reject) => { client.once('message', resolve); client.once('exit', reject) })
  } catch (err) {
    await stopSubject(subject)
    throw err
  }
  return subject
}

async function stopSubject (s: Subject): Promise<void> {
  if (s.client.exitCode === null) {
    s.client.send({ exit: true })
    await new Promise((resolve) => { s.client.once('exit', resolve); setTimeout(resolve, 3000).unref() })
    s.client.kill()
  }
  await s.servers.stop()
}

/** One slice of calls, with the servers' CPU over it. */
async function measureSlice (s: Subject, ms: number): Promise<Row> {
  const before = serversCpuMs(s.servers)
  const r = await ask<SliceResult>(s.client, { slice: ms })
  return { ...r, serverCpuUs: (serversCpuMs(s.servers) - before) * 1000 / r.calls }
}

function fmt (x: number): string {
  return Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1)) : 'n/a'
}

/** `--fresh`: fresh processes per target and round; the figures of each slice after the warm-up. */
async function fresh (targets: TargetName[], rounds: number, warmupMs: number, sliceMs: number, slices: number, env: NodeJS.ProcessEnv): Promise<void> {
  const bySlice = new Map<TargetName, Row[][]>(targets.map((t) => [t, Array.from({ length: slices }, () => [])]))
  for (let round = 0; round < rounds; round++) {
    for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
      const s = await startSubject(target, env)
      try {
        await ask(s.client, { slice: warmupMs })
        for (let i = 0; i < slices; i++) bySlice.get(target)?.[i].push(await measureSlice(s, sliceMs))
      } finally {
        await stopSubject(s)
      }
    }
  }
  console.log(`${rounds} rounds of fresh processes per target: ${warmupMs} ms of warm-up, then ${slices} slices of ${sliceMs} ms; medians over the rounds per slice`)
  const head = Array.from({ length: slices }, (_, i) => `${warmupMs + i * sliceMs}-${warmupMs + (i + 1) * sliceMs} ms`)
  console.log(`| target | figure | ${head.join(' | ')} |`)
  console.log(`| --- | --- | ${head.map(() => '---:').join(' | ')} |`)
  for (const target of targets) {
    const rows = bySlice.get(target) ?? []
    const line = (label: string, k: keyof Row): string => `| ${target} | ${label} | ${rows.map((r) => fmt(median(r.map((x) => x[k] as number)))).join(' | ')} |`
    console.log(line('p50 µs', 'p50Us'))
    console.log(line('client CPU µs/call', 'clientCpuUs'))
    console.log(line('server CPU µs/call', 'serverCpuUs'))
  }
}

async function main (): Promise<void> {
  const targets = arg('--targets', 'peercall,peercall-pinned').split(',').filter((t) => t !== '')
  for (const t of targets) if (!isTargetName(t)) throw new Error(`unknown target ${t}`)
  const rounds = Number(arg('--rounds', '16'))
  const sliceMs = Number(arg('--slice', '1000'))
  const warmupMs = Number(arg('--warmup', '3000'))
  const idleMs = Number(arg('--idle', '0'))
  const env = process.argv.includes('--count') ? { ...process.env, SEQ_AB_COUNT: '1' } : process.env
  if (process.argv.includes('--fresh')) {
    await fresh(targets as TargetName[], rounds, warmupMs, sliceMs, Number(arg('--slices', '8')), env)
    return
  }
  const subjects: Subject[] = []
  try {
    for (const target of targets as TargetName[]) subjects.push(await startSubject(target, env))
    for (const s of subjects) await ask(s.client, { slice: warmupMs })
    for (let round = 0; round < rounds; round++) {
      for (const s of round % 2 === 0 ? subjects : [...subjects].reverse()) {
        s.rows.push(await measureSlice(s, sliceMs))
      }
    }
    console.log(`${rounds} rounds of ${sliceMs} ms per target after ${warmupMs} ms of warm-up; medians over the rounds`)
    console.log('| target | calls/s | p50 µs | p99 µs | client CPU µs/call | server CPU µs/call | writes/call |')
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |')
    for (const s of subjects) {
      const m = (k: keyof Row): number => median(s.rows.map((r) => r[k] as number))
      console.log(`| ${s.target} | ${fmt(m('callsPerSec'))} | ${fmt(m('p50Us'))} | ${fmt(m('p99Us'))} | ${fmt(m('clientCpuUs'))} | ${fmt(m('serverCpuUs'))} | ${fmt(m('writes'))} |`)
    }
    const [base, ...rest] = subjects
    for (const s of rest) {
      const p50 = s.rows.map((r, i) => r.p50Us / base.rows[i].p50Us)
      const cpu = s.rows.map((r, i) => r.clientCpuUs - base.rows[i].clientCpuUs)
      console.log(`${s.target} / ${base.target}: p50 ratio per round ${p50.map((x) => x.toFixed(2)).join(' ')}, median ${median(p50).toFixed(3)}; client CPU difference median ${median(cpu).toFixed(2)} µs per call`)
    }
    for (const s of subjects) {
      const resources = s.rows.map((r) => r.resources).filter((r) => r !== undefined)
      if (resources.length === 0) continue
      const types = [...new Set(resources.flatMap((r) => Object.keys(r)))].sort()
      console.log(`${s.target}: async resources per call (median): ${types.map((t) => `${t} ${median(resources.map((r) => r[t] ?? 0)).toFixed(3)}`).join(', ')}`)
    }
    if (idleMs > 0) {
      for (const s of subjects) {
        const idle = await ask<IdleResult>(s.client, { idle: idleMs })
        console.log(`${s.target}: idle client ${idle.cpuMsPerSec.toFixed(2)} ms of CPU per second, ${idle.writesPerSec.toFixed(1)} socket writes per second`)
      }
    }
  } finally {
    for (const s of subjects) await stopSubject(s)
  }
}

main().then(() => process.exit(0), (err: unknown) => { console.error(err); process.exit(1) })
