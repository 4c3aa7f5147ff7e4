/**
 * Test helper: N real libp2p peers on 127.0.0.1 in this process, each with the cluster's gossipsub and connection
 * manager settings, a membership, and a connection gater that can be toggled to cut the network into groups.
 */
import { gossipsub } from '@chainsafe/libp2p-gossipsub'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { connectionManagerOptions, createMembership, gossipsubOptions } from '../../src/index.js'
import type { Membership, MembershipOptions } from '../../src/index.js'
import type { Libp2p, PeerId, PrivateKey, PubSub } from '@libp2p/interface'

export interface Peer {
  libp2p: Libp2p<{ pubsub: PubSub }>
  membership: Membership
  id: string
}

export interface Cluster {
  peers: Peer[]
  cluster: string
  /** multiaddrs of peer 0, the others' bootstrap */
  boot: string[]
  /** cut the network: peers in different groups can neither dial nor keep connections to each other */
  partition: (groups: number[][]) => Promise<void>
  heal: () => void
  /** start one more peer bootstrapped to peer 0 */
  add: (opts?: Partial<MembershipOptions>) => Promise<Peer>
  stopAll: () => Promise<void>
}

/** A libp2p node for the cluster: TCP on 127.0.0.1, noise, yamux, identify, gossipsub, the cluster settings. */
export async function createTestLibp2p (blocked: (self: string, remote: string) => boolean = () => false, opts: { privateKey?: PrivateKey, listen?: string, services?: Record<string, (components: any) => unknown> } = {}): Promise<Libp2p<{ pubsub: PubSub }>> {
  let self = ''
  const libp2p = await createLibp2p({
    privateKey: opts.privateKey,
    addresses: { listen: [opts.listen ?? '/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: connectionManagerOptions(),
    connectionGater: {
      denyDialPeer: (p: PeerId) => blocked(self, p.toString()),
      denyInboundEncryptedConnection: (p: PeerId) => blocked(self, p.toString()),
      denyOutboundEncryptedConnection: (p: PeerId) => blocked(self, p.toString())
    },
    services: { identify: identify(), pubsub: gossipsub(gossipsubOptions()), ...(opts.services ?? {}) }
  }) as unknown as Libp2p<{ pubsub: PubSub }>
  self = libp2p.peerId.toString()
  return libp2p
}

export async function startCluster (n: number, opts: Partial<MembershipOptions> = {}): Promise<Cluster> {
  const group = new Map<string, number>()
  const blocked = (a: string, b: string): boolean => (group.get(a) ?? 0) !== (group.get(b) ?? 0)
  const peers: Peer[] = []
  const cluster = opts.cluster ?? `test-${Math.random().toString(36).slice(2, 8)}`

  async function startPeer (bootstrap: string[]): Promise<Peer> {
    const libp2p = await createTestLibp2p(blocked)
    const self = libp2p.peerId.toString()
    const membership = createMembership(libp2p, { profile: 'fast', ...opts, cluster, bootstrap })
    await membership.start()
    return { libp2p, membership, id: self }
  }

  const first = await startPeer([])
  peers.push(first)
  const boot = first.libp2p.getMultiaddrs().map(String)
  const rest = await Promise.all(Array.from({ length: n - 1 }, async () => await startPeer(boot)))
  peers.push(...rest)

  return {
    peers,
    cluster,
    boot,
    async partition (groups) {
      groups.forEach((g, k) => { for (const i of g) group.set(peers[i].id, k) })
      await Promise.all(peers.map(async p => {
        for (const c of p.libp2p.getConnections()) {
          if (blocked(p.id, c.remotePeer.toString())) await c.close().catch(() => {})
        }
      }))
    },
    heal () { group.clear() },
    async add (o = {}) {
      const p = await startPeer(boot)
      peers.push(p)
      void o
      return p
    },
    async stopAll () {
      await Promise.allSettled(peers.map(async p => {
        await p.membership.stop().catch(() => {})
        await p.libp2p.stop()
      }))
    }
  }
}

/** Poll `cond` every 10 ms until it holds or `timeoutMs` passes; returns the time it took, or throws. */
export async function waitFor (cond: () => boolean, timeoutMs: number, what = 'condition'): Promise<number> {
  const start = performance.now()
  while (!cond()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  return performance.now() - start
}

/** State of `subject` in `observer`'s view. */
export function stateOf (observer: Peer, subject: string): string | undefined {
  return observer.membership.members().find(m => m.peerId === subject)?.state
}

/** Does every peer in `peers` see every other as alive? */
export function converged (peers: Peer[]): boolean {
  return peers.every(o => peers.every(s => s === o || stateOf(o, s.id) === 'alive'))
}

export interface ChildPeer { id: string, child: import('node:child_process').ChildProcess }

/** Start a peer in a child process (see child-peer.ts), bootstrapped to `boot`. */
export async function startChildPeer (cluster: string, boot: string[]): Promise<ChildPeer> {
  const { spawn } = await import('node:child_process')
  const { fileURLToPath } = await import('node:url')
  const script = fileURLToPath(new URL('./child-peer.js', import.meta.url))
  const child = spawn(process.execPath, [script, cluster, ...boot], { stdio: ['ignore', 'pipe', 'inherit'] })
  const line = await new Promise<string>((resolve, reject) => {
    let buf = ''
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('child peer did not start')) }, 20_000)
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString()
      const i = buf.indexOf('\n')
      if (i >= 0) { clearTimeout(timer); resolve(buf.slice(0, i)) }
    })
    child.once('exit', code => { clearTimeout(timer); reject(new Error(`child peer exited with ${String(code)}`)) })
  })
  return { id: (JSON.parse(line) as { peerId: string }).peerId, child }
}
