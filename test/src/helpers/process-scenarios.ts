/**
 * The failover scenarios with real OS processes: example peers (`startPeer` from `@peercall/examples/launcher`,
 * hosting Calculator and KeyValue) and a client `createNode` in this process that calls `Calculator.add` with no
 * `peer` option (routed). Shared by `failover.test.ts` (assertions) and `failover-report.ts` (docs/failover.md).
 * Which peer served what is read from the client's router: every attempt is reported to its balancer
 * (helpers/load.ts `AttemptTracker`).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNode } from '@peercall/core'
import { startPeer, stopPeer } from '@peercall/examples/launcher'
import { adder } from './cluster.js'
import { AttemptTracker, hold, LoadDriver, timed, whenEvent, within } from './load.js'
import type { ScenarioResult } from './partition-scenarios.js'
import type { NodeOptions, PeercallNode } from '@peercall/core'
import type { PeerProcess } from '@peercall/examples/launcher'

export type Profile = 'lan' | 'fast'

/** Deadline of each routed call, ms. */
export const CALL_TIMEOUT_MS = 2000
/** Time each measured phase is held open, ms. */
const HOLD_MS = 2000
/** Peers (processes) per scenario. */
const PEERS = 4

export interface ProcCluster {
  peers: PeerProcess[]
  client: PeercallNode
  cluster: string
  profile: Profile
  tracker: AttemptTracker
  load: LoadDriver
  dir: string
  /** Identity file of peer i. */
  identity: (i: number) => string
  stop: () => Promise<void>
}

/** Every peer process started here, killed when this process exits (a timed-out test must leave none behind). */
const started = new Set<PeerProcess>()
process.once('exit', () => { for (const p of started) p.child.kill('SIGKILL') })

async function spawnPeer (options: Parameters<typeof startPeer>[0]): Promise<PeerProcess> {
  const p = await startPeer(options)
  started.add(p)
  p.child.once('exit', () => { started.delete(p) })
  return p
}

function stateIn (node: PeercallNode, peer: string): string | undefined {
  return node.members().find(m => m.peerId === peer)?.state
}

function hosts (node: PeercallNode): Set<string> {
  return new Set(node.members().filter(m => m.state === 'alive' && m.services.includes('Calculator')).map(m => m.peerId))
}

/** Starts PEERS example peer processes (each with an identity file) and a client in this process. */
export async function startProcCluster (profile: Profile, clientOptions: NodeOptions = {}): Promise<ProcCluster> {
  const cluster = `f-${Math.random().toString(36).slice(2, 8)}`
  const dir = mkdtempSync(join(tmpdir(), 'peercall-failover-'))
  const identity = (i: number): string => join(dir, `peer-${i}.key`)
  const peers: PeerProcess[] = []
  let client: PeercallNode | undefined
  const stop = async (): Promise<void> => {
    await client?.stop().catch(() => {})
    await Promise.all(peers.map(async p => {
      await stopPeer(p, 'SIGKILL')
    }))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    peers.push(await spawnPeer({ cluster, profile, identity: identity(0) }))
    const boot = [peers[0].multiaddrs[0]]
    peers.push(...await Promise.all(Array.from({ length: PEERS - 1 }, async (_, k) => await spawnPeer({ cluster, profile, identity: identity(k + 1), bootstrap: boot }))))
    client = await createNode({ ...clientOptions, cluster, bootstrap: boot, membership: { profile } })
    const c = client
    await timed(() => peers.every(p => hosts(c).has(p.peerId)), 60_000, 'the client sees every peer hosting Calculator')
    const tracker = new AttemptTracker(c)
    const call = adder(c, CALL_TIMEOUT_MS)
    const load = new LoadDriver([c], { concurrency: 8, call })
    return { peers, client: c, cluster, profile, tracker, load, dir, identity, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/** Time for the client to see `peer` in `state`, from now. */
async function seen (c: ProcCluster, peer: string, state: string, timeoutMs = 60_000): Promise<number> {
  return await timed(() => stateIn(c.client, peer) === state, timeoutMs, `${peer.slice(-6)} ${state}`)
}

/** SIGKILL one peer under load: zero failed calls, no new call to it once the client sees it dead. */
export async function sigkillScenario (profile: Profile): Promise<ScenarioResult> {
  const c = await startProcCluster(profile)
  try {
    const victim = c.peers[1]
    const dead = whenEvent(c.client, 'member:dead', victim.peerId)
    c.load.start('before')
    await hold(HOLD_MS)
    c.load.mark('during')
    const killAt = performance.now()
    victim.child.kill('SIGKILL')
    const deadAt = await within(dead.promise, 60_000, 'SIGKILLed peer never seen dead')
    c.load.mark('after')
    await hold(HOLD_MS)
    const phases = await c.load.stop()
    return {
      fault: 'SIGKILL one peer',
      profile,
      peers: PEERS,
      phases,
      times: { detectMs: deadAt - killAt },
      facts: { sentToVictimAfterDead: c.tracker.sentTo(victim.peerId, deadAt), servedByVictimBeforeKill: c.tracker.servedBy(victim.peerId) }
    }
  } finally {
    await c.load.stop().catch(() => {})
    await c.stop()
  }
}

/**
 * SIGSTOP one peer (its connections stay open, it answers nothing): calls finish within their deadlines by
 * failover or hedging; then SIGCONT: it refutes its death, rejoins and takes traffic again.
 */
export async function sigstopScenario (profile: Profile): Promise<ScenarioResult> {
  const c = await startProcCluster(profile)
  try {
    const victim = c.peers[1]
    c.load.start('before')
    await hold(HOLD_MS)
    c.load.mark('stopped')
    const stopAt = performance.now()
    victim.child.kill('SIGSTOP')
    const suspectMs = await timed(() => stateIn(c.client, victim.peerId) !== 'alive', 60_000, 'the frozen peer suspected')
    const deadMs = await seen(c, victim.peerId, 'dead') + suspectMs
    const deadAt = stopAt + deadMs
    await hold(HOLD_MS)
    c.load.mark('continued')
    const contAt = performance.now()
    victim.child.kill('SIGCONT')
    await seen(c, victim.peerId, 'alive')
    const aliveMs = performance.now() - contAt
    await timed(() => c.tracker.servedBy(victim.peerId, contAt) > 0, 60_000, 'the continued peer serving')
    const servingMs = performance.now() - contAt
    c.load.mark('after')
    await hold(HOLD_MS)
    const phases = await c.load.stop()
    return {
      fault: 'SIGSTOP one peer, then SIGCONT',
      profile,
      peers: PEERS,
      phases,
      times: { suspectMs, detectMs: deadMs, rejoinMs: aliveMs, servingAgainMs: servingMs },
      facts: {
        sentToVictimWhileDead: c.tracker.attempts.filter(a => a.peer === victim.peerId && a.at > deadAt && a.at < contAt).length,
        /** Attempts that went to the frozen peer and got no answer (timed out, or given up when a retry or hedge answered). */
        unansweredAtVictim: c.tracker.attempts.filter(a => a.peer === victim.peerId && a.at >= stopAt && a.at < contAt && a.ok !== true).length,
        servedByVictimAfterCont: c.tracker.servedBy(victim.peerId, contAt),
        maxLatencyMs: Math.round(Math.max(...c.load.records.filter(r => r.ok).map(r => r.ms)))
      }
    }
  } finally {
    await c.load.stop().catch(() => {})
    await c.stop()
  }
}

/** SIGKILL one peer, then restart it with the same identity: the new incarnation is accepted and serves. */
export async function restartScenario (profile: Profile): Promise<ScenarioResult> {
  const c = await startProcCluster(profile)
  try {
    const victim = c.peers[1]
    const oldIncarnation = c.client.members().find(m => m.peerId === victim.peerId)?.incarnation ?? -1
    c.load.start('before')
    await hold(HOLD_MS)
    c.load.mark('killed')
    victim.child.kill('SIGKILL')
    const deadMs = await seen(c, victim.peerId, 'dead')
    c.load.mark('restarted')
    const restartAt = performance.now()
    const again = await spawnPeer({ cluster: c.cluster, profile, identity: c.identity(1), bootstrap: [c.peers[0].multiaddrs[0]] })
    c.peers.push(again)
    const sameId = again.peerId === victim.peerId
    await seen(c, victim.peerId, 'alive')
    const aliveMs = performance.now() - restartAt
    await timed(() => c.tracker.servedBy(victim.peerId, restartAt) > 0, 60_000, 'the restarted peer serving')
    const servingMs = performance.now() - restartAt
    const newIncarnation = c.client.members().find(m => m.peerId === victim.peerId)?.incarnation ?? -1
    c.load.mark('after')
    await hold(HOLD_MS)
    const phases = await c.load.stop()
    return {
      fault: 'SIGKILL, restart with the same identity',
      profile,
      peers: PEERS,
      phases,
      times: { detectMs: deadMs, rejoinMs: aliveMs, servingAgainMs: servingMs },
      facts: { sameId, oldIncarnation, newIncarnation, servedByRestarted: c.tracker.servedBy(victim.peerId, restartAt) }
    }
  } finally {
    await c.load.stop().catch(() => {})
    await c.stop()
  }
}

/** SIGTERM one peer: it leaves gracefully (announced, drained): zero failed calls, none sent to it after the leave. */
export async function sigtermScenario (profile: Profile): Promise<ScenarioResult> {
  const c = await startProcCluster(profile)
  try {
    const victim = c.peers[1]
    const left = whenEvent(c.client, 'member:leave', victim.peerId)
    c.load.start('before')
    await hold(HOLD_MS)
    c.load.mark('during')
    const termAt = performance.now()
    const exit = stopPeer(victim, 'SIGTERM')
    const leftAt = await within(left.promise, 30_000, 'leave never seen')
    const code = await exit
    const exitMs = performance.now() - termAt
    c.load.mark('after')
    await hold(HOLD_MS)
    const phases = await c.load.stop()
    return {
      fault: 'graceful stop (SIGTERM)',
      profile,
      peers: PEERS,
      phases,
      times: { leaveSeenMs: leftAt - termAt, exitMs },
      facts: { exitCode: code ?? -1, sentToVictimAfterLeave: c.tracker.sentTo(victim.peerId, leftAt) }
    }
  } finally {
    await c.load.stop().catch(() => {})
    await c.stop()
  }
}

/** The replicated key-value service of the example peer (examples/src/kv-replica.ts). */
const KV = 'ReplicatedKV'

function kv (client: PeercallNode): { put: (key: string, value: unknown) => Promise<{ copies: number }>, get: (key: string) => Promise<unknown> } {
  return {
    put: async (key, value) => await client.call<{ copies: number }>(KV, 'put', [key, value], { balance: 'hash', key, timeoutMs: CALL_TIMEOUT_MS, idempotent: true }),
    get: async key => await client.call(KV, 'get', [key], { balance: 'hash', key, timeoutMs: CALL_TIMEOUT_MS })
  }
}

/**
 * A client that routes by the ring alone (bounded loads off: `epsilon: Infinity`). With the default bounded
 * loads a hash-routed read may also spill past the key's replicas to a peer that does not hold it, which answers
 * `undefined` (examples/src/kv-replica.ts has no read-through); docs/failover.md gives the figures of both.
 */
export const STRICT_RING: NodeOptions = { balancer: { epsilon: Infinity } }

/**
 * Key-value with replicas: write keys (acknowledged once a quorum of their owners hold them), SIGKILL the owner
 * of one key under a load of reads and writes, then check that reads kept succeeding from replicas and that no
 * acknowledged write is lost.
 */
export async function kvScenario (profile: Profile, keys = 300, clientOptions: NodeOptions = {}): Promise<ScenarioResult> {
  const c = await startProcCluster(profile, clientOptions)
  try {
    const { client } = c
    await timed(() => client.members().filter(m => m.state === 'alive' && m.services.includes(KV)).length === c.peers.length, 30_000, 'every peer hosting the replicated key-value store')
    // a store coordinates once it has caught up with the others (examples/src/kv-recovery.ts)
    const ready = async (): Promise<boolean> => (await Promise.all(c.peers.map(async p => await client.call<{ ready: boolean }>(KV, 'status', [], { peer: p.peerId, timeoutMs: CALL_TIMEOUT_MS }).catch(() => undefined)))).every(s => s?.ready === true)
    await timed(ready, 30_000, 'every store ready', 100)
    const store = kv(client)
    const acked = new Map<string, number>()
    let minCopies = Infinity
    for (let i = 0; i < keys; i += 10) {
      await Promise.all(Array.from({ length: 10 }, async (_, j) => {
        // the initial writes are not under test: one that is not acknowledged is simply not counted
        const r = await store.put(`k-${i + j}`, i + j).catch(() => undefined)
        if (r === undefined) return
        minCopies = Math.min(minCopies, r.copies)
        acked.set(`k-${i + j}`, i + j)
      }))
    }
    const key = 'k-0'
    const owners = client.owners(KV, key, 3)
    const victim = c.peers.find(p => p.peerId === owners[0])!
    const written = [...acked.keys()]
    let wrongReads = 0
    let reads = 0
    /** Reads answered `undefined` for a written key: a peer that holds no copy answered (see the report). */
    let missedReads = 0
    const load = new LoadDriver([client], {
      concurrency: 8,
      call: async i => {
        if (i % 2 === 0) {
          const k = i % 10 === 0 ? key : written[i % written.length]
          const v = await store.get(k)
          reads++
          if (v === undefined) missedReads++
          else if (v !== acked.get(k)) { wrongReads++; throw new Error(`read ${k}: ${String(v)}, wrote ${String(acked.get(k))}`) }
        } else {
          await store.put(`n-${i}`, i)
          acked.set(`n-${i}`, i)
        }
      }
    })
    const dead = whenEvent(client, 'member:dead', victim.peerId)
    load.start('before')
    await hold(HOLD_MS)
    load.mark('during')
    const killAt = performance.now()
    victim.child.kill('SIGKILL')
    const deadAt = await within(dead.promise, 60_000, 'killed owner never seen dead')
    load.mark('after')
    await hold(HOLD_MS)
    const phases = await load.stop()
    // every acknowledged write is still there
    let lost = 0
    const all = [...acked]
    for (let i = 0; i < all.length; i += 50) {
      const got = await Promise.all(all.slice(i, i + 50).map(async ([k]) => await store.get(k).catch(() => undefined)))
      got.forEach((v, j) => { if (v !== all[i + j][1]) lost++ })
    }
    // the survivors hold at least two copies of every key (anti-entropy of the example store)
    const survivors = c.peers.filter(p => p !== victim && p.child.exitCode === null && p.child.signalCode === null)
    const copies = async (): Promise<number> => {
      const held = new Map<string, number>()
      for (const p of survivors) {
        const ks = await client.call<string[]>(KV, 'keys', [], { peer: p.peerId, timeoutMs: CALL_TIMEOUT_MS })
        for (const k of ks) held.set(k, (held.get(k) ?? 0) + 1)
      }
      // the killed owner keeps its place in the preference lists (fixed replica sets): its keys have 2 live copies
      return all.filter(([k]) => (held.get(k) ?? 0) < Math.min(2, survivors.length)).length
    }
    let underReplicated = await copies()
    const restoreStart = performance.now()
    let restoreMs = -1
    try {
      await timed(async () => (underReplicated = await copies()) === 0, 20_000, 'two live copies of every key', 250)
      restoreMs = performance.now() - restoreStart + (restoreStart - deadAt)
    } catch { /* reported as under-replicated keys */ }
    return {
      fault: `key-value: SIGKILL the owner of a key (${clientOptions.balancer?.epsilon === Infinity ? 'client routes by the ring alone' : 'default client: bounded loads'})`,
      profile,
      peers: PEERS,
      phases,
      times: { detectMs: deadAt - killAt, ...(restoreMs >= 0 ? { replicasRestoredMs: restoreMs } : {}) },
      facts: { keysAcked: acked.size, minCopiesAtAck: minCopies, lostAckedWrites: lost, reads, missedReads, wrongReads, underReplicatedKeys: underReplicated }
    }
  } finally {
    await c.stop()
  }
}
