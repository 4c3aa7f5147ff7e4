/**
 * `npm run bench:scale` (part 1): N = 4, 8, 16, 32 example peers as OS processes on 127.0.0.1 (LAN profile,
 * T = 1 s), a client node sending routed `Calculator.add` calls at a fixed modest rate, and in-process observer
 * nodes. Per N: join seen by every observer, detection of a SIGKILLed peer, gossip and wire bytes per peer per
 * second. Writes `docs/scale-real.json`. `--quick`: N = 4, 8 and one repeat of each measurement.
 */
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createNode } from '@peercall/core'
import type { PeercallNode } from '@peercall/core'
import type { PeerProcess } from '@peercall/examples/launcher'
import {
  BETWEEN_MS, BYTES_WINDOW_MS, BYTES_WINDOW_MS_QUICK, CALLS_PER_SECOND, CONVERGE_TIMEOUT_MS, DEATH_TIMEOUT_MS,
  JOIN_REPEATS, JOIN_TIMEOUT_MS, KILL_REPEATS, LAN_T_MS, OBSERVERS, REAL_SIZES, REAL_SIZES_QUICK, REPEATS_QUICK,
  RUN_DEADLINE_MS, SCALE_CLUSTER, SETTLE_MS, SETTLE_MS_PER_PEER
} from './constants.js'
import { Observer } from './observer.js'
import { PeerProcesses } from './processes.js'
import { procCpuSeconds, procIo, procRssMB } from './procio.js'
import { connectionsAmong } from './sockets.js'
import { median, percentile, round, sleep, waitFor } from './stats.js'
import { Traffic } from './traffic.js'
import type { RealResult } from './real-types.js'

const quick = process.argv.includes('--quick')
const outArg = process.argv.indexOf('--out')
const out = outArg > 0 ? process.argv[outArg + 1] : 'docs/scale-real.json'
const sizesArg = process.argv.indexOf('--sizes')
const sizes = sizesArg > 0 ? process.argv[sizesArg + 1].split(',').map(Number) : [...(quick ? REAL_SIZES_QUICK : REAL_SIZES)]
const joinRepeats = quick ? REPEATS_QUICK : JOIN_REPEATS
const killRepeats = quick ? REPEATS_QUICK : KILL_REPEATS
const windowMs = quick ? BYTES_WINDOW_MS_QUICK : BYTES_WINDOW_MS

const procs = new PeerProcesses()
const observers: Observer[] = []
let client: PeercallNode | undefined
process.on('exit', () => { procs.killAllNow() })
/** How long a signal waits for peer starts in flight before exiting, ms (their child is known only once listening). */
const SHUTDOWN_WAIT_MS = 5000
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { void procs.shutdown(SHUTDOWN_WAIT_MS).then(() => process.exit(130)) })

const deadline = setTimeout(() => {
  console.error('scale: run deadline reached, killing every peer')
  procs.killAllNow()
  process.exit(2)
}, RUN_DEADLINE_MS)
deadline.unref()

const log = (msg: string): void => { console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`) }

/** Every observer has all of `ids` alive. */
const allSee = (ids: string[]): boolean => observers.every(o => { const a = o.alive(); return ids.every(id => a.has(id)) })

async function measureBytes (peers: PeerProcess[], traffic: Traffic, withTraffic: boolean): Promise<{ write: number, read: number, payload: number, messages: number, cpuPercent: number, rssMB: number, rssMaxMB: number, anonymousMB: number }> {
  if (withTraffic) traffic.start(); else traffic.stop()
  await sleep(1000)
  const before = peers.map(p => procIo(p.child.pid!))
  const cpuBefore = peers.map(p => procCpuSeconds(p.child.pid!))
  const o = observers[0]
  const b0 = o.gossipBytes; const m0 = o.gossipMessages
  const t0 = performance.now()
  await sleep(windowMs)
  const secs = (performance.now() - t0) / 1000
  const after = peers.map(p => procIo(p.child.pid!))
  const cpuAfter = peers.map(p => procCpuSeconds(p.child.pid!))
  const rss = peers.map(p => procRssMB(p.child.pid!)).filter((r): r is { rss: number, anonymous: number } => r !== undefined)
  const cpu: number[] = []
  peers.forEach((_, i) => { const a = cpuAfter[i]; const b = cpuBefore[i]; if (a !== undefined && b !== undefined) cpu.push((a - b) / secs * 100) })
  const writes: number[] = []; const reads: number[] = []
  peers.forEach((_, i) => {
    const a = after[i]; const b = before[i]
    if (a !== undefined && b !== undefined) { writes.push((a.wchar - b.wchar) / secs); reads.push((a.rchar - b.rchar) / secs) }
  })
  return { write: median(writes), read: median(reads), payload: (o.gossipBytes - b0) / secs, messages: (o.gossipMessages - m0) / secs, cpuPercent: median(cpu), rssMB: median(rss.map(r => r.rss)), rssMaxMB: Math.max(...rss.map(r => r.rss)), anonymousMB: median(rss.map(r => r.anonymous)) }
}

async function measureJoin (bootstrap: string[]): Promise<{ fromSpawn: number, fromListening: number }> {
  const t0 = performance.now()
  const p = await procs.start(bootstrap)
  const tListening = performance.now()
  const ok = await waitFor(() => observers.every(o => o.seen.join.has(p.peerId)), JOIN_TIMEOUT_MS, 5)
  if (!ok) return { fromSpawn: NaN, fromListening: NaN }
  const last = Math.max(...observers.map(o => o.seen.join.get(p.peerId)!))
  return { fromSpawn: last - t0, fromListening: last - tListening }
}

async function measureKill (victim: PeerProcess): Promise<{ firstSuspect: number, deadAll: number }> {
  const t0 = performance.now()
  await procs.kill(victim)
  const ok = await waitFor(() => observers.every(o => o.firstAfter('dead', victim.peerId, t0) !== undefined), DEATH_TIMEOUT_MS, 10)
  const suspects = observers.map(o => o.firstAfter('suspect', victim.peerId, t0)).filter((x): x is number => x !== undefined)
  const firstSuspect = suspects.length > 0 ? Math.min(...suspects) - t0 : NaN
  const deadAll = ok ? Math.max(...observers.map(o => o.firstAfter('dead', victim.peerId, t0)!)) - t0 : NaN
  return { firstSuspect, deadAll }
}

/** A stall of the harness's own loop worth naming, ms, and the period of the timer that notices it. */
const STALL_MS = 500
const STALL_TICK_MS = 100

async function runSize (n: number): Promise<RealResult> {
  log(`N = ${n}: starting ${n} peer processes`)
  const tStart = performance.now()
  // the harness process hosts the observers and the client: how far behind its own event loop ran
  const lag = monitorEventLoopDelay({ resolution: 20 })
  lag.enable()
  // and when: every stall of the harness's loop longer than STALL_MS, with the time it began
  const stalls: Array<[number, number]> = []
  let tick = tStart
  const stallTimer = setInterval(() => {
    const now = performance.now()
    const late = now - tick - STALL_TICK_MS
    if (late > STALL_MS) stalls.push([tick - tStart, late])
    tick = now
  }, STALL_TICK_MS)
  const seed = await procs.start([])
  const bootstrap = [seed.multiaddrs[0]]
  // the harness's own members (observers and client) join right after the seed, as a monitoring system that is
  // already there, rather than all at once after the 31 others (docs/scale.md compares the two orders)
  for (let i = 0; i < OBSERVERS; i++) observers.push(await Observer.start(bootstrap))
  client = await createNode({ bootstrap, cluster: SCALE_CLUSTER, membership: { profile: 'lan' } })
  const rest = await procs.startMany(n - 1, bootstrap)
  const original = [seed, ...rest]
  const ids = original.map(p => p.peerId)
  let convergeNote: string | undefined
  const converged = await waitFor(() => allSee(ids), CONVERGE_TIMEOUT_MS, 100)
  const startSeconds = (performance.now() - tStart) / 1000
  log(`N = ${n}: ${converged ? 'converged' : 'NOT converged'} in ${startSeconds.toFixed(1)} s`)
  if (!converged) {
    const views = observers.map(o => {
      const ms = new Map(o.membership.members().map(m => [m.peerId, m.state]))
      const states = ids.map(id => ms.get(id) ?? 'unknown')
      return ['alive', 'suspect', 'dead', 'left', 'unknown'].map(st => `${st} ${states.filter(x => x === st).length}`).join(', ')
    })
    convergeNote = `not every peer alive at both observers within ${CONVERGE_TIMEOUT_MS / 1000} s; states of the N peers at the deadline: ${views.join(' | ')}`
    log(`N = ${n}: ${convergeNote}; live processes ${procs.live().length}; measuring anyway`)
  }
  const traffic = new Traffic(client, CALLS_PER_SECOND)
  traffic.start()
  await sleep(Math.max(SETTLE_MS, n * SETTLE_MS_PER_PEER))
  traffic.reset()
  const busy = await measureBytes(original, traffic, true)
  const calls = { ok: traffic.ok, failed: traffic.failed, p50Ms: round(percentile(traffic.latenciesMs, 0.5)), p99Ms: round(percentile(traffic.latenciesMs, 0.99)), perSecond: round(traffic.ok / ((windowMs + 1000) / 1000), 1) }
  const idle = await measureBytes(original, traffic, false)
  const load1 = loadavg()[0]
  const conns = connectionsAmong(original.map(p => p.child.pid!))
  log(`N = ${n}: wire write ${idle.write.toFixed(0)} B/s idle, ${busy.write.toFixed(0)} B/s with traffic; gossip payload ${busy.payload.toFixed(0)} B/s at an observer; CPU per peer ${idle.cpuPercent.toFixed(1)}% idle, ${busy.cpuPercent.toFixed(1)}% with traffic; RSS per peer idle ${idle.rssMB.toFixed(1)} MB median (anonymous ${idle.anonymousMB.toFixed(1)}), ${idle.rssMaxMB.toFixed(1)} MB max; calls ${calls.ok} ok ${calls.failed} failed; connections among the peers beyond one per pair ${conns.extra} (${conns.pairs} pairs); load ${load1.toFixed(2)}`)
  traffic.start()
  const clusterSize = n + 1 + OBSERVERS
  const joinFromSpawnMs: number[] = []; const joinFromListeningMs: number[] = []
  const firstSuspectMs: number[] = []; const deadEverywhereMs: number[] = []
  const victims = original.slice(1)
  for (let r = 0; r < Math.max(joinRepeats, killRepeats); r++) {
    if (r < joinRepeats) {
      await sleep(BETWEEN_MS)
      const j = await measureJoin(bootstrap)
      joinFromSpawnMs.push(round(j.fromSpawn, 1)); joinFromListeningMs.push(round(j.fromListening, 1))
      log(`N = ${n}: join seen by every observer ${j.fromSpawn.toFixed(0)} ms after spawn, ${j.fromListening.toFixed(0)} ms after listening`)
    }
    if (r < killRepeats) {
      await sleep(BETWEEN_MS)
      const victim = victims[(r * 7 + 3) % victims.length]
      victims.splice(victims.indexOf(victim), 1)
      const k = await measureKill(victim)
      firstSuspectMs.push(round(k.firstSuspect, 1)); deadEverywhereMs.push(round(k.deadAll, 1))
      log(`N = ${n}: SIGKILL: first suspect ${k.firstSuspect.toFixed(0)} ms, dead at every observer ${k.deadAll.toFixed(0)} ms`)
    }
  }
  traffic.stop()
  // false positives: suspect and dead events, at any observer, about peers that were never killed (mean per observer)
  const killed = new Set(original.filter(p => !victims.includes(p) && p !== seed).map(p => p.peerId))
  const falseOf = (type: 'suspect' | 'dead'): number => observers.reduce((a, o) => a + o.log[type].filter(([, id]) => !killed.has(id)).length, 0) / observers.length
  const falseSuspicions = falseOf('suspect')
  const falseDeaths = falseOf('dead')
  // which healthy peers were declared dead, and when (s after the start): the cause is read from there
  const falseDeathsSeen = observers.map(o => o.log.dead.filter(([, id]) => !killed.has(id)))
  const falseDeathEvents = observers.flatMap((o, i) => falseDeathsSeen[i].map(([at, id]) => `observer ${i}: ${id.slice(-6)} at ${((at - tStart) / 1000).toFixed(1)} s (${((at - (procs.listeningAt.get(id) ?? NaN)) / 1000).toFixed(1)} s after it was listening; alive at the end: ${o.alive().has(id)})`))
  if (falseDeathEvents.length > 0) {
    log(`N = ${n}: healthy peers declared dead: ${falseDeathEvents.join('; ')}`)
    // what each observer saw of those peers: when, at which incarnation, with which health score of its own
    const falselyDead = new Set(falseDeathsSeen.flat().map(([, id]) => id))
    for (const id of falselyDead) {
      const who = id === client?.peerId
        ? 'the harness client (in the harness process, beside the observers)'
        : observers.some(o => o.peerId === id) ? 'an observer (in the harness process)' : procs.listeningAt.has(id) ? 'a peer process' : 'not a peer process'
      log(`N = ${n}: ${id.slice(-6)} is ${who}; events: ${observers.map((o, i) => `observer ${i}: ` + (['suspect', 'dead'] as const)
        .flatMap(type => o.log[type].filter(([, p]) => p === id).map(([at, , inc, score]) => ({ type, at, inc, score })))
        .sort((a, b) => a.at - b.at)
        .map(d => `${d.type} inc ${d.inc} at ${((d.at - tStart) / 1000).toFixed(1)} s (score ${d.score})`).join(', ')).join(' | ')}`)
    }
  }
  log(`N = ${n}: false suspicions ${falseSuspicions.toFixed(1)}, false deaths ${falseDeaths.toFixed(1)} (mean per observer)`)
  lag.disable()
  clearInterval(stallTimer)
  if (stalls.length > 0) log(`N = ${n}: the harness's loop stalled for more than ${STALL_MS} ms at ${stalls.map(([at, ms]) => `${(at / 1000).toFixed(1)} s (${ms.toFixed(0)} ms)`).join(', ')}`)
  log(`N = ${n}: the harness's event loop (observers and client) ran late by ${(lag.percentile(50) / 1e6).toFixed(0)} ms median, ${(lag.percentile(99) / 1e6).toFixed(0)} ms p99, ${(lag.max / 1e6).toFixed(0)} ms at most`)
  const peersPublishing = clusterSize
  const result: RealResult = {
    n,
    clusterSize,
    startSeconds: round(startSeconds, 1),
    joinFromSpawnMs,
    joinFromListeningMs,
    firstSuspectMs,
    deadEverywhereMs,
    // each member's records reach an observer once (gossipsub de-duplicates), the observer's own excluded
    gossipPayloadBytesPerPeerPerSec: round(busy.payload / (peersPublishing - 1), 1),
    gossipMessagesPerSec: round(busy.messages, 1),
    wireWriteBytesPerPeerPerSecIdle: round(idle.write, 0),
    wireReadBytesPerPeerPerSecIdle: round(idle.read, 0),
    wireWriteBytesPerPeerPerSecTraffic: round(busy.write, 0),
    cpuPercentPerPeerIdle: round(idle.cpuPercent, 1),
    cpuPercentPerPeerTraffic: round(busy.cpuPercent, 1),
    rssMBPerPeerIdle: round(idle.rssMB, 1),
    rssMaxMBPerPeerIdle: round(idle.rssMaxMB, 1),
    anonymousMBPerPeerIdle: round(idle.anonymousMB, 1),
    falseSuspicions,
    falseDeaths,
    ...(convergeNote !== undefined ? { convergeNote } : {}),
    calls,
    loadavg1: round(load1)
  }
  await teardown()
  return result
}

async function teardown (): Promise<void> {
  await procs.killAll()
  const c = client
  client = undefined
  await Promise.all([...observers.splice(0).map(async o => { await o.stop() }), c?.stop().catch(() => {})])
}

const results: RealResult[] = []
const t0 = Date.now()
try {
  for (const n of sizes) {
    results.push(await runSize(n))
    writeFileSync(out, JSON.stringify({ quick, probePeriodMs: LAN_T_MS, callsPerSecond: CALLS_PER_SECOND, observers: OBSERVERS, results }, null, 2) + '\n')
    await sleep(BETWEEN_MS)
  }
} catch (err) {
  console.error('scale:', err)
  await teardown().catch(() => {})
  process.exitCode = 1
}
log(`written ${out} in ${((Date.now() - t0) / 1000).toFixed(0)} s`)
for (const r of results) {
  console.log(`N=${r.n} join(spawn) med ${median(r.joinFromSpawnMs)} ms, join(listening) med ${median(r.joinFromListeningMs)} ms, suspect med ${median(r.firstSuspectMs)} ms, dead med ${median(r.deadEverywhereMs)} ms, gossip ${r.gossipPayloadBytesPerPeerPerSec} B/peer/s, wire ${r.wireWriteBytesPerPeerPerSecIdle} B/s, idle peer RSS med ${r.rssMBPerPeerIdle} MB (max ${r.rssMaxMBPerPeerIdle})`)
}
process.exit()
