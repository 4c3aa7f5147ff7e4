/**
 * The peer processes of the scale benchmark: example peers (the launcher's `PEER_SCRIPT`, hosting Calculator,
 * KeyValue, ReplicatedKV and Work) started with the LAN profile, a few at a time, and every one killed at the end.
 */
import { startPeer } from '@peercall/examples/launcher'
import type { PeerProcess } from '@peercall/examples/launcher'
import { SCALE_CLUSTER, START_PARALLEL } from './constants.js'

/** Longest wait for one peer's `listening` line, ms (27 s measured with a load average of 28 on 2 cores). */
const PEER_START_TIMEOUT_MS = 60_000
/** Starts tried per peer (a start that times out on an overloaded machine is tried once more). */
const START_ATTEMPTS = 2

export class PeerProcesses {
  readonly all: PeerProcess[] = []
  /** starts not yet resolved (their child is known only once it prints `listening`) */
  pending = 0
  /** set on shutdown: a peer that reports `listening` after it is killed at once */
  stopping = false

  /** When each peer printed its listening line (performance.now()). */
  readonly listeningAt = new Map<string, number>()

  /** Start one peer process (LAN profile) that bootstraps through `bootstrap`. */
  async start (bootstrap: string[]): Promise<PeerProcess> {
    this.pending++
    try {
      let p: PeerProcess | undefined
      for (let attempt = 1; p === undefined; attempt++) {
        try {
          p = await startPeer({ bootstrap, cluster: SCALE_CLUSTER, profile: 'lan', timeoutMs: PEER_START_TIMEOUT_MS })
        } catch (err) {
          // startPeer has SIGKILLed the child that did not report in time
          if (attempt >= START_ATTEMPTS || this.stopping) throw err
        }
      }
      this.all.push(p)
      this.listeningAt.set(p.peerId, performance.now())
      if (this.stopping) p.child.kill('SIGKILL')
      return p
    } finally {
      this.pending--
    }
  }

  /** Start `n` peers, `START_PARALLEL` at a time. */
  async startMany (n: number, bootstrap: string[]): Promise<PeerProcess[]> {
    const out: PeerProcess[] = []
    while (out.length < n) {
      const batch = Math.min(START_PARALLEL, n - out.length)
      out.push(...await Promise.all(Array.from({ length: batch }, async () => await this.start(bootstrap))))
    }
    return out
  }

  /** Live (not exited) peers. */
  live (): PeerProcess[] {
    return this.all.filter(p => p.child.exitCode === null && p.child.signalCode === null)
  }

  /** SIGKILL one peer and wait for its exit. */
  async kill (p: PeerProcess): Promise<void> {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return
    const exited = new Promise<void>(resolve => { p.child.once('exit', () => { resolve() }) })
    p.child.kill('SIGKILL')
    await exited
  }

  /** SIGKILL every peer this object started (the end of a run, or an error). */
  async killAll (): Promise<void> {
    await Promise.all(this.all.map(async p => { await this.kill(p) }))
    this.all.length = 0
  }

  /** On a signal: kill every peer, wait (bounded) for starts in flight and kill those too. */
  async shutdown (waitMs: number): Promise<void> {
    this.stopping = true
    this.killAllNow()
    const end = performance.now() + waitMs
    while (this.pending > 0 && performance.now() < end) await new Promise(resolve => setTimeout(resolve, 50))
    this.killAllNow()
  }

  /** Synchronous variant for `process.on('exit')`. */
  killAllNow (): void {
    for (const p of this.all) { try { p.child.kill('SIGKILL') } catch { /* already gone */ } }
  }
}
