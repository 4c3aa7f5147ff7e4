/**
 * A cluster of real libp2p peers (`createNode`) in this process on 127.0.0.1, each with a gater from one `Net`,
 * so that tests can cut the network. Servers host `Calculator.add` (idempotent) and count what they serve.
 */
import { createNode } from '@peercall/core'
import { Net } from './net.js'
import { timed } from './load.js'
import type { NodeOptions, PeercallNode } from '@peercall/core'
import type { Libp2p } from '@libp2p/interface'

export type Profile = 'lan' | 'fast'

export interface TestPeer {
  node: PeercallNode
  libp2p: Libp2p
  id: string
  /** Hosts Calculator. */
  server: boolean
  /** Calculator calls this peer served. */
  served: number
}

export interface TestCluster {
  peers: TestPeer[]
  net: Net
  ids: string[]
  stop: () => Promise<void>
}

export async function startCluster (n: number, options: { profile: Profile, clients: number[], cluster?: string }): Promise<TestCluster> {
  const net = new Net()
  const cluster = options.cluster ?? `t-${Math.random().toString(36).slice(2, 8)}`
  const peers: TestPeer[] = []
  const start = async (i: number, bootstrap: string[]): Promise<TestPeer> => {
    let self = ''
    const opts: NodeOptions = {
      cluster,
      bootstrap,
      membership: { profile: options.profile },
      connectionGater: net.gater(() => self)
    }
    const node = await createNode(opts)
    self = node.peerId
    const libp2p = (node as unknown as { libp2p: Libp2p }).libp2p
    net.add(node.peerId, libp2p)
    const p: TestPeer = { node, libp2p, id: node.peerId, server: !options.clients.includes(i), served: 0 }
    if (p.server) {
      node.register('Calculator', {
        add: (a: number, b: number) => { p.served++; return a + b }
      }, { idempotent: ['add'] })
    }
    return p
  }
  try {
    peers.push(await start(0, []))
    const boot = [peers[0].node.multiaddrs[0]]
    peers.push(...await Promise.all(Array.from({ length: n - 1 }, async (_, k) => await start(k + 1, boot))))
  } catch (err) {
    await Promise.allSettled(peers.map(async p => { await p.node.stop() }))
    throw err
  }
  return {
    peers,
    net,
    ids: peers.map(p => p.id),
    stop: async () => { await Promise.allSettled(peers.map(async p => { await p.node.stop() })) }
  }
}

export function stateIn (observer: PeercallNode, subject: string): string | undefined {
  return observer.members().find(m => m.peerId === subject)?.state
}

/** Every peer of `group` sees every other peer of `group` alive. */
export function oneView (group: TestPeer[]): boolean {
  return group.every(o => group.every(s => s === o || stateIn(o.node, s.id) === 'alive'))
}

/** Every client of `group` sees every server of `group` alive and hosting Calculator. */
export function fullRouting (group: TestPeer[]): boolean {
  const servers = group.filter(p => p.server).map(p => p.id)
  return group.filter(p => !p.server).every(c => {
    const hosts = new Set(c.node.members().filter(m => m.state === 'alive' && m.services.includes('Calculator')).map(m => m.peerId))
    return servers.every(s => hosts.has(s))
  })
}

/** Waits until the whole cluster has one view and every client routes to every server. */
export async function converge (c: TestCluster, timeoutMs = 30_000): Promise<number> {
  return await timed(() => oneView(c.peers) && fullRouting(c.peers), timeoutMs, 'one view and full routing')
}

/** Routed idempotent calls from `client`: Calculator.add without a peer option, checked. */
export function adder (client: PeercallNode, timeoutMs: number): (i: number) => Promise<void> {
  const calc = client.service<{ add(a: number, b: number): Promise<number> }>('Calculator', { timeoutMs })
  return async (i: number) => {
    const r = await calc.add(i, 1)
    if (r !== i + 1) throw new Error(`wrong answer ${String(r)} to add(${i}, 1)`)
  }
}
