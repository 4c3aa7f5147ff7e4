/**
 * The peer processes of the scale benchmark: example peers (`examples/dist/src/peer.js`, hosting Calculator,
 * KeyValue, ReplicatedKV and Work) started with the LAN profile, a few at a time, and every one killed at the end.
 */
import { startPeer } from '@peercall/examples/launcher'
import type { PeerProcess } from '@peercall/examples/launcher'
import { SCALE_CLUSTER, START_PARALLEL } from './constants.js'

/** Longest wait for one peer's `listening` line, ms (start-up of a peer on a loaded 2-core machine). */
const PEER_START_TIMEOUT_MS = 30_000

export class PeerProcesses {
  readonly all: PeerProcess[] = []

  /** Start one peer process (LAN profile) that bootstraps through `bootstrap`. */
  async start (bootstrap: string[]): Promise<PeerProcess> {
    const p = await startPeer({ bootstrap, cluster: SCALE_CLUSTER, profile: 'lan', timeoutMs: PEER_START_TIMEOUT_MS })
    this.all.push(p)
    return p
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

  /** Synchronous variant for `process.on('exit')`. */
  killAllNow (): void {
    for (const p of this.all) { try { p.child.kill('SIGKILL') } catch { /* already gone */ } }
  }
}
