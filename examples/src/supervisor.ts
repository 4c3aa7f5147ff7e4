/**
 * The cluster launcher's supervisor: runs example peers as child processes, each with its own identity file, and
 * restarts one that crashed (any exit it did not ask for) with the same identity, so it rejoins the cluster as the
 * same peer with a new incarnation. Also freezes (SIGSTOP) and thaws (SIGCONT) peers, and scales up and down.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startPeer, stopPeer } from './launcher.js'
import type { PeerProcess } from './launcher.js'

/** Wait before restarting a crashed peer, ms (doubles per crash in a row, as systemd's RestartSec with backoff). */
export const RESTART_DELAY_MS = 500
/** Restarts of one peer after which the supervisor gives up on it. */
export const MAX_RESTARTS = 10

export type ManagedState = 'starting' | 'running' | 'frozen' | 'restarting' | 'stopped' | 'failed'

export interface ManagedPeer {
  name: string
  identity: string
  state: ManagedState
  restarts: number
  proc: PeerProcess | undefined
  peerId: string | undefined
}

export interface SupervisorOptions {
  /** Folder for identity files. @default a new temporary folder, removed by stopAll() */
  dir?: string
  profile?: 'lan' | 'fast'
  cluster?: string
  restartDelayMs?: number
  maxRestarts?: number
}

export interface SupervisorEvent {
  type: 'start' | 'exit' | 'restart' | 'freeze' | 'thaw' | 'stop' | 'give-up'
  peer: ManagedPeer
  detail?: string
}

export class Supervisor extends EventTarget {
  private readonly peers = new Map<string, ManagedPeer>()
  private readonly opts: SupervisorOptions
  private dir: string | undefined
  private ownsDir = false
  private next = 1
  private closing = false

  constructor (options: SupervisorOptions = {}) {
    super()
    this.opts = options
    this.dir = options.dir
  }

  list (): ManagedPeer[] {
    return [...this.peers.values()]
  }

  running (): ManagedPeer[] {
    return this.list().filter(p => p.state === 'running' || p.state === 'frozen')
  }

  get (name: string): ManagedPeer | undefined {
    return this.peers.get(name)
  }

  /** Multiaddrs of running peers, to bootstrap from. */
  addresses (): string[] {
    return this.list().filter(p => p.state === 'running').flatMap(p => p.proc?.multiaddrs.slice(0, 1) ?? [])
  }

  /** Starts one more peer, bootstrapping from those running. */
  async add (): Promise<ManagedPeer> {
    if (this.dir === undefined) {
      this.dir = await mkdtemp(join(tmpdir(), 'peercall-cluster-'))
      this.ownsDir = true
    }
    const name = `peer-${this.next++}`
    const peer: ManagedPeer = { name, identity: join(this.dir, `${name}.key`), state: 'starting', restarts: 0, proc: undefined, peerId: undefined }
    this.peers.set(name, peer)
    await this.launch(peer)
    return peer
  }

  private async launch (peer: ManagedPeer): Promise<void> {
    peer.state = 'starting'
    const proc = await startPeer({ bootstrap: this.addresses().slice(0, 3), identity: peer.identity, profile: this.opts.profile, cluster: this.opts.cluster })
    peer.proc = proc
    peer.peerId = proc.peerId
    peer.state = 'running'
    this.emit('start', peer)
    proc.child.once('exit', (code, signal) => { this.onExit(peer, proc, code, signal) })
  }

  private onExit (peer: ManagedPeer, proc: PeerProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (peer.proc !== proc) return
    const expected = peer.state === 'stopped' || this.closing
    this.emit('exit', peer, signal ?? `code ${String(code)}`)
    if (expected) return
    const max = this.opts.maxRestarts ?? MAX_RESTARTS
    if (peer.restarts >= max) {
      peer.state = 'failed'
      this.emit('give-up', peer, `${peer.restarts} restarts`)
      return
    }
    peer.state = 'restarting'
    const delay = (this.opts.restartDelayMs ?? RESTART_DELAY_MS) * 2 ** Math.min(peer.restarts, 5)
    peer.restarts++
    setTimeout(() => {
      if (this.closing || peer.state !== 'restarting') return
      this.launch(peer).then(() => { this.emit('restart', peer, `restart ${peer.restarts}`) }, (err: Error) => {
        peer.state = 'failed'
        this.emit('give-up', peer, err.message)
      })
    }, delay).unref()
  }

  /** Sends a signal; SIGKILL makes a crash that the supervisor will repair by a restart. */
  kill (name: string, signal: NodeJS.Signals = 'SIGKILL'): void {
    const peer = this.peers.get(name)
    peer?.proc?.child.kill(signal)
  }

  freeze (name: string): void {
    const peer = this.peers.get(name)
    if (peer?.proc === undefined || peer.state !== 'running') return
    peer.proc.child.kill('SIGSTOP')
    peer.state = 'frozen'
    this.emit('freeze', peer)
  }

  thaw (name: string): void {
    const peer = this.peers.get(name)
    if (peer?.proc === undefined || peer.state !== 'frozen') return
    peer.proc.child.kill('SIGCONT')
    peer.state = 'running'
    this.emit('thaw', peer)
  }

  /** Stops a peer gracefully (it leaves the cluster) and does not restart it. */
  async remove (name: string): Promise<void> {
    const peer = this.peers.get(name)
    if (peer?.proc === undefined) return
    if (peer.state === 'frozen') peer.proc.child.kill('SIGCONT')
    peer.state = 'stopped'
    await stopPeer(peer.proc, 'SIGTERM')
    this.emit('stop', peer)
  }

  /** Scales to `n` running peers: adds peers, or removes the newest ones gracefully. */
  async scaleTo (n: number): Promise<void> {
    while (this.running().length < n) await this.add()
    while (this.running().length > n) {
      const newest = this.running().at(-1)
      if (newest === undefined) break
      await this.remove(newest.name)
    }
  }

  async stopAll (): Promise<void> {
    this.closing = true
    await Promise.all(this.list().map(async p => {
      if (p.proc === undefined) return
      if (p.state === 'frozen') p.proc.child.kill('SIGCONT')
      p.state = 'stopped'
      await stopPeer(p.proc, 'SIGTERM', 5000)
    }))
    if (this.ownsDir && this.dir !== undefined) await rm(this.dir, { recursive: true, force: true })
  }

  private emit (type: SupervisorEvent['type'], peer: ManagedPeer, detail?: string): void {
    this.dispatchEvent(new CustomEvent<SupervisorEvent>('peer', { detail: { type, peer, detail } }))
  }
}
