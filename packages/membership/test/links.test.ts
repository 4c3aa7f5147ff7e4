/**
 * The long-lived membership streams (`links.ts`) between real libp2p nodes on 127.0.0.1.
 */
import test from 'ava'
import { logger } from '@libp2p/logger'
import { MEMBERSHIP_STREAMS_PER_CONNECTION } from '../src/defaults.js'
import { encodeFrames } from '../src/frames.js'
import { Links } from '../src/links.js'
import type { LinksOptions } from '../src/links.js'
import { createTestLibp2p, waitFor } from './helpers/cluster.js'
import type { Libp2p, PubSub } from '@libp2p/interface'

const PROTOCOL = '/peercall/membership-test/1.0.0'

interface End {
  libp2p: Libp2p<{ pubsub: PubSub }>
  links: Links
  /** frames received, as strings, by sender */
  got: string[]
}

async function end (blocked: () => boolean, opts: Partial<LinksOptions> = {}): Promise<End> {
  const libp2p = await createTestLibp2p(blocked)
  const got: string[] = []
  const links = new Links(libp2p, {
    protocol: PROTOCOL,
    openTimeoutMs: 2000,
    maxFrameBytes: 1024,
    onFrame: (_from, body) => { got.push(new TextDecoder().decode(body)) },
    log: logger('peercall:membership:links-test'),
    ...opts
  })
  await libp2p.handle(PROTOCOL, ({ stream, connection }) => { links.accept(stream, connection) }, {
    maxInboundStreams: MEMBERSHIP_STREAMS_PER_CONNECTION,
    maxOutboundStreams: MEMBERSHIP_STREAMS_PER_CONNECTION
  })
  return { libp2p, links, got }
}

/** Two nodes, `a` knowing `b`'s address; `cut` makes each refuse connections to the other. */
async function pair (opts: Partial<LinksOptions> = {}): Promise<{ a: End, b: End, cut: (on: boolean) => void, stop: () => Promise<void> }> {
  let blocked = false
  const ends: End[] = []
  const stop = async (): Promise<void> => {
    await Promise.allSettled(ends.map(async e => { await e.links.close(); await e.libp2p.stop() }))
  }
  try {
    ends.push(await end(() => blocked, opts))
    ends.push(await end(() => blocked, opts))
  } catch (err) {
    await stop()
    throw err
  }
  const [a, b] = ends
  await a.libp2p.peerStore.merge(b.libp2p.peerId, { multiaddrs: b.libp2p.getMultiaddrs() })
  return { a, b, cut: on => { blocked = on }, stop }
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const streamsOf = (e: End): number => e.libp2p.getConnections().reduce((n, c) => n + c.streams.filter(s => s.protocol === PROTOCOL).length, 0)

test('one stream carries many messages, in order', async t => {
  t.timeout(20_000)
  const { a, b, stop } = await pair()
  try {
    const to = b.libp2p.peerId.toString()
    // a burst (queued while the stream opens), then one at a time, then another burst
    const first = await Promise.all(Array.from({ length: 20 }, async (_, i) => await a.links.send(to, text(`m${i}`))))
    for (let i = 20; i < 40; i++) t.true(await a.links.send(to, text(`m${i}`)))
    const last = await Promise.all(Array.from({ length: 60 }, async (_, i) => await a.links.send(to, text(`m${40 + i}`))))
    t.true([...first, ...last].every(ok => ok))
    await waitFor(() => b.got.length === 100, 5000, '100 frames')
    t.deepEqual(b.got, Array.from({ length: 100 }, (_, i) => `m${i}`))
    t.is(a.links.stats.opened, 1, 'one outbound stream opened')
    t.is(b.links.stats.accepted, 1, 'one inbound stream accepted')
    t.is(streamsOf(b), 1)
  } finally {
    await stop()
  }
})

test('a stream the remote closes is dropped, and the next message opens a new one', async t => {
  t.timeout(20_000)
  const { a, b, stop } = await pair()
  try {
    const to = b.libp2p.peerId.toString()
    t.true(await a.links.send(to, text('before')))
    await waitFor(() => b.got.length === 1, 5000, 'first frame')
    // the remote closes its end of the stream (the connection stays up)
    for (const c of b.libp2p.getConnections()) for (const s of c.streams) if (s.protocol === PROTOCOL) await s.close()
    await waitFor(() => a.links.peers.length === 0, 5000, 'the link to be dropped')
    t.true(await a.links.send(to, text('after')))
    await waitFor(() => b.got.length === 2, 5000, 'second frame')
    t.deepEqual(b.got, ['before', 'after'])
    t.is(a.links.stats.opened, 2)
    t.is(b.links.stats.accepted, 2)
    // the same for a reset
    for (const c of b.libp2p.getConnections()) for (const s of c.streams) if (s.protocol === PROTOCOL) s.abort(new Error('test reset'))
    await waitFor(() => a.links.peers.length === 0, 5000, 'the link to be dropped after a reset')
    t.true(await a.links.send(to, text('after reset')))
    await waitFor(() => b.got.length === 3, 5000, 'third frame')
    t.is(a.links.stats.opened, 3)
  } finally {
    await stop()
  }
})

test('a closed connection drops the stream; a partition makes sends fail, never pass', async t => {
  t.timeout(20_000)
  const { a, b, cut, stop } = await pair()
  try {
    const to = b.libp2p.peerId.toString()
    t.true(await a.links.send(to, text('one')))
    await waitFor(() => b.got.length === 1, 5000, 'first frame') // b has the connection too
    // the remote hangs up: the next message redials and opens a new stream
    await b.libp2p.hangUp(a.libp2p.peerId)
    await waitFor(() => a.links.peers.length === 0, 5000, 'the link to be dropped')
    t.true(await a.links.send(to, text('two')))
    await waitFor(() => b.got.length === 2, 5000, 'second frame')
    t.is(a.links.stats.opened, 2)
    // a partition: the gaters refuse connections and the existing one is closed
    cut(true)
    await Promise.all(a.libp2p.getConnections().map(async c => { await c.close() }))
    const results = await Promise.all([1, 2, 3].map(async i => await a.links.send(to, text(`cut${i}`))))
    t.deepEqual(results, [false, false, false])
    t.is(b.got.length, 2)
    // healed: the next message gets through on a new stream
    cut(false)
    t.true(await a.links.send(to, text('healed')))
    await waitFor(() => b.got.includes('healed'), 5000, 'frame after the heal')
  } finally {
    await stop()
  }
})

test('past the queue bound a message is refused (the adapter reports it as a failed send)', async t => {
  t.timeout(20_000)
  const { a, b, stop } = await pair({ maxQueuedBytes: 100 })
  try {
    const to = b.libp2p.peerId.toString()
    // the stream is still opening: these wait in the queue
    const p1 = a.links.send(to, text('x'.repeat(60)))
    const p2 = a.links.send(to, text('y'.repeat(60)))
    const p3 = a.links.send(to, text('z'.repeat(30)))
    t.false(await p2, 'over the bound: refused')
    t.deepEqual(await Promise.all([p1, p3]), [true, true], 'within the bound')
    t.is(a.links.stats.dropped, 1)
    await waitFor(() => b.got.length === 2, 5000, 'two frames')
    t.deepEqual(b.got, ['x'.repeat(60), 'z'.repeat(30)])
    // a message larger than the bound alone is accepted into an empty queue
    t.true(await a.links.send(to, text('w'.repeat(500))))
    // a message above the frame limit is refused
    t.false(await a.links.send(to, new Uint8Array(2000)))
  } finally {
    await stop()
  }
})

test('an oversized or malformed inbound frame aborts that stream only', async t => {
  t.timeout(20_000)
  const { a, b, stop } = await pair({ maxFrameBytes: 64 })
  try {
    const to = b.libp2p.peerId.toString()
    t.true(await a.links.send(to, text('good')))
    await waitFor(() => b.got.length === 1, 5000, 'first frame')
    // a raw stream with a frame above b's limit, then one with a malformed length prefix
    for (const bad of [encodeFrames([new Uint8Array(65)]), new Uint8Array(8).fill(0xff)]) {
      const s = await a.libp2p.dialProtocol(b.libp2p.peerId, PROTOCOL)
      await s.sink([bad]).catch(() => {})
      await waitFor(() => s.status !== 'open' || s.readStatus === 'closed', 5000, 'the bad stream to be reset')
    }
    t.is(b.got.length, 1)
    // the good stream is untouched
    t.true(await a.links.send(to, text('still good')))
    await waitFor(() => b.got.length === 2, 5000, 'second frame')
    t.deepEqual(b.got, ['good', 'still good'])
    t.is(a.links.stats.opened, 1)
  } finally {
    await stop()
  }
})

test('close() writes what was taken, then closes every stream on both sides', async t => {
  t.timeout(20_000)
  const { a, b, stop } = await pair()
  try {
    const ta = a.libp2p.peerId.toString()
    const tb = b.libp2p.peerId.toString()
    t.true(await a.links.send(tb, text('hello')))
    await waitFor(() => b.got.length === 1, 5000, 'first frame') // b has the connection too
    t.true(await b.links.send(ta, text('hello')))
    await waitFor(() => a.got.length === 1, 5000, 'first frame of b')
    // the last message (a leave notice) is taken by the stream, then the links close
    const last = a.links.send(tb, text('leaving'))
    t.true(await last)
    await a.links.close()
    await waitFor(() => b.got.includes('leaving'), 5000, 'the last frame')
    await waitFor(() => streamsOf(a) === 0 && streamsOf(b) === 0, 5000, 'every membership stream closed')
    t.false(await a.links.send(tb, text('after close')))
  } finally {
    await stop()
  }
})

test('sendOnce: a message on a stream of its own, closed gracefully, read like any other, also when the sender stops right after', async t => {
  t.timeout(30_000)
  const { a, b, stop } = await pair()
  try {
    t.true(await a.links.sendOnce(b.libp2p.peerId.toString(), text('leave'), 2000))
    await waitFor(() => b.got.includes('leave'), 5000, 'the one-off frame read')
    t.is(a.links.stats.opened, 0, 'no long-lived stream was opened for it')
    // it is read even when the sender stops right after (the leave notice on stop)
    t.true(await a.links.sendOnce(b.libp2p.peerId.toString(), text('leave-2'), 2000))
    await a.links.close()
    await a.libp2p.stop()
    await waitFor(() => b.got.includes('leave-2'), 5000, 'the frame sent just before stopping')
  } finally {
    await stop()
  }
})
