/**
 * A cut link between two live peers: the TCP connection stays open while nothing passes (a middlebox that lost its
 * state, a one-sided network fault). The peer still answers probes through others, so membership keeps it alive,
 * checks the link with a ping, and closes it when the ping goes unanswered; the next call dials anew.
 */
import * as net from 'node:net'
import test from 'ava'
import { LINK_PING_TIMEOUT_MS } from '@peercall/membership'
import { createNode } from '../src/index.js'
import { waitFor } from './helpers/wait.js'
import type { PeercallNode } from '../src/index.js'
import type { Node } from '../src/node.js'

interface Relay {
  port: number
  /** From now on: every byte either way is dropped, the open sockets stay open, new connections are refused. */
  cut: () => void
  close: () => void
}

/** A TCP relay on 127.0.0.1 to `targetPort`. */
async function relay (targetPort: number): Promise<Relay> {
  const sockets = new Set<net.Socket>()
  let cut = false
  const server = net.createServer(inbound => {
    const outbound = net.connect(targetPort, '127.0.0.1')
    for (const [from, to] of [[inbound, outbound], [outbound, inbound]]) {
      sockets.add(from)
      from.on('data', (chunk: Buffer) => { if (!cut) to.write(chunk) })
      from.on('error', () => { to.destroy() })
      from.on('close', () => { sockets.delete(from); if (!cut) to.destroy() })
    }
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => { cut = true; server.close() },
    close: () => { server.close(); for (const s of sockets) s.destroy() }
  }
}

function tcpPort (ma: string): number {
  return Number(/\/tcp\/(\d+)/.exec(ma)![1])
}

test('a cut link to a live peer is closed after an unanswered ping, and the next call dials anew', async t => {
  t.timeout(90_000)
  const nodes: PeercallNode[] = []
  let r: Relay | undefined
  t.teardown(async () => { r?.close(); await Promise.all(nodes.map(async n => { await n.stop().catch(() => {}) })) })
  const b = await createNode({ membership: { profile: 'fast' } })
  nodes.push(b)
  b.register('Who', { id: () => b.peerId }, { idempotent: true })
  const c = await createNode({ membership: { profile: 'fast' }, bootstrap: [b.multiaddrs[0]] })
  nodes.push(c)
  r = await relay(tcpPort(b.multiaddrs[0]))
  // a reaches b through the relay only: its one connection to b is the one the relay will cut
  const a = await createNode({ membership: { profile: 'fast' }, bootstrap: [`/ip4/127.0.0.1/tcp/${r.port}/p2p/${b.peerId}`] }) as Node
  nodes.push(a)
  const viaRelay = `/tcp/${r.port}/`
  const toB = (): Array<{ remoteAddr: string, status: string }> => a.libp2p.getConnections().filter(x => x.remotePeer.toString() === b.peerId).map(x => ({ remoteAddr: `${x.remoteAddr.toString()}/`, status: x.status }))
  await waitFor(() => [a, b, c].every(n => n.members().filter(m => m.state === 'alive').length === 3), 20_000, 'three members alive everywhere')
  t.deepEqual(toB().map(x => x.remoteAddr.includes(viaRelay)), [true], 'a\'s one connection to b goes through the relay')
  t.is(await a.call('Who', 'id', [], { peer: b.peerId, timeoutMs: 5000 }), b.peerId)

  r.cut()
  const cutAt = performance.now()
  // a pinned call on the cut connection cannot be answered
  await t.throwsAsync(a.call('Who', 'id', [], { peer: b.peerId, timeoutMs: 1000 }), { code: 'DEADLINE_EXCEEDED' })
  await waitFor(() => !toB().some(x => x.remoteAddr.includes(viaRelay)), 20_000 + LINK_PING_TIMEOUT_MS, 'the cut connection closed')
  const closedMs = performance.now() - cutAt
  await waitFor(async () => await a.call('Who', 'id', [], { peer: b.peerId, timeoutMs: 2000 }).then(id => id === b.peerId, () => false), 20_000, 'a reaches b again')
  const answeredMs = performance.now() - cutAt
  t.log(`cut connection closed ${(closedMs / 1000).toFixed(1)} s after the cut; a pinned call answered again after ${(answeredMs / 1000).toFixed(1)} s`)
  t.true(toB().every(x => !x.remoteAddr.includes(viaRelay)), 'a\'s connection to b is a new, direct one')
  // b stayed a member throughout: it answered through c
  t.is(a.members().find(m => m.peerId === b.peerId)?.state, 'alive')
  t.true(closedMs >= LINK_PING_TIMEOUT_MS, 'the connection was closed only after a ping went unanswered')
})
