/**
 * `node bench/dist/src/scale/duplicates.js [--peers 16] [--settle 15000]`: how connections pair up among peers that
 * join at the same moment. Starts `peers` nodes in this process at once (fast profile, all bootstrapped to the
 * first), waits until every one sees all alive, settles, then prints the connections beyond one per pair (seen from
 * both sides) and, for every connection of a duplicated pair, the streams it carries (direction:protocol), grouped.
 */
import { createNode } from '@peercall/core'
import type { PeercallNode } from '@peercall/core'
import type { Connection, Libp2p } from '@libp2p/interface'
import { sleep, waitFor } from './stats.js'

function arg (name: string, fallback: string): string {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : fallback
}

/** The node's libp2p (a field of the node object, not of its public type). */
const libp2pOf = (x: PeercallNode): Libp2p => (x as unknown as { libp2p: Libp2p }).libp2p

const n = Number(arg('--peers', '16'))
const settleMs = Number(arg('--settle', '15000'))
const seed = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], membership: { profile: 'fast' } })
const boot = libp2pOf(seed).getMultiaddrs()[0].toString()
const rest = await Promise.all(Array.from({ length: n - 1 }, async () => await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [boot], membership: { profile: 'fast' } })))
const nodes: PeercallNode[] = [seed, ...rest]
try {
  if (!await waitFor(() => nodes.every(x => x.members().filter(m => m.state === 'alive').length === n), 60_000)) throw new Error('the peers did not all see each other alive within 60 s')
  await sleep(settleMs)
  let beyond = 0
  const kinds = new Map<string, number>()
  for (const x of nodes) {
    const byPeer = new Map<string, Connection[]>()
    for (const c of libp2pOf(x).getConnections()) {
      const list = byPeer.get(c.remotePeer.toString()) ?? []
      list.push(c)
      byPeer.set(c.remotePeer.toString(), list)
    }
    for (const list of byPeer.values()) {
      if (list.length < 2) continue
      beyond += list.length - 1
      for (const c of list) {
        const streams = c.streams.map(s => `${s.direction === 'inbound' ? 'in' : 'out'}:${s.protocol ?? '?'}`).sort().join(' ') || '(no stream)'
        kinds.set(streams, (kinds.get(streams) ?? 0) + 1)
      }
    }
  }
  console.log(JSON.stringify({ peers: n, beyondOnePerPairBothSides: beyond, streamsOfDuplicatedConnections: Object.fromEntries(kinds) }))
} finally {
  await Promise.all(nodes.map(async x => { await x.stop() }))
}
process.exit(0)
