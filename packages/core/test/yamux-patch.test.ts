/**
 * The patch to @chainsafe/libp2p-yamux (patches/, applied by `npm ci`'s postinstall): a stream sends a window update
 * once half of its receive window is consumed, not after every data frame it reads. Unpatched, each side of a lone
 * request/response writes twice per round trip (its message, then a window update for the message it read).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { Socket } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { pushable } from 'it-pushable'
import { createLibp2p, type Libp2p } from 'libp2p'

const PROTOCOL = '/peercall-test/echo/1.0.0'
/** Round trips measured; each one is a 26-byte message answered by its echo. */
const ROUND_TRIPS = 200
/** Writes allowed per side beyond one per round trip: libp2p's own traffic (a ping, an identify) in the window. */
const SLACK = 10

async function bareNode (): Promise<Libp2p> {
  return await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
  })
}

/** Counts `write` calls per socket while `fn` runs; stream-to-it (@libp2p/tcp's sink) writes each chunk on its own. */
async function countWrites (fn: () => Promise<void>): Promise<Map<Socket, number>> {
  const counts = new Map<Socket, number>()
  const original = Socket.prototype.write
  Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
    counts.set(this, (counts.get(this) ?? 0) + 1)
    return (original as (...a: unknown[]) => boolean).apply(this, args)
  } as typeof original
  try {
    await fn()
  } finally {
    Socket.prototype.write = original
  }
  return counts
}

test('a lone round trip between two libp2p nodes makes one socket write per side', async t => {
  t.timeout(30_000)
  const server = await bareNode()
  const client = await bareNode()
  try {
    await server.handle(PROTOCOL, ({ stream }) => {
      void stream.sink(stream.source).catch(() => { stream.abort(new Error('echo failed')) })
    })
    const stream = await client.dialProtocol(server.getMultiaddrs()[0], PROTOCOL)
    const out = pushable<Uint8Array>()
    void stream.sink(out).catch(() => {})
    const replies = stream.source[Symbol.asyncIterator]()
    const message = new TextEncoder().encode('a twenty-six byte message')
    const roundTrip = async (): Promise<void> => {
      out.push(message)
      let got = 0
      while (got < message.byteLength) {
        const next = await replies.next()
        if (next.done === true) throw new Error('stream ended')
        got += next.value.byteLength
      }
    }
    for (let i = 0; i < 20; i++) await roundTrip() // past the stream's opening frames
    const counts = await countWrites(async () => { for (let i = 0; i < ROUND_TRIPS; i++) await roundTrip() })
    const perSide = [...counts.values()]
    t.true(perSide.length <= 2, `writes on ${perSide.length} sockets`)
    t.is(perSide.length, 2, 'both sides wrote')
    for (const writes of perSide) {
      t.true(writes <= ROUND_TRIPS + SLACK, `${writes} writes for ${ROUND_TRIPS} round trips (${(writes / ROUND_TRIPS).toFixed(2)} per round trip)`)
    }
    out.end()
  } finally {
    await client.stop()
    await server.stop()
  }
})

test('a stream still sends window updates: 4 MiB through one stream, more than its 256 KiB initial window', async t => {
  t.timeout(30_000)
  const server = await bareNode()
  const client = await bareNode()
  try {
    await server.handle(PROTOCOL, ({ stream }) => {
      void stream.sink(stream.source).catch(() => { stream.abort(new Error('echo failed')) })
    })
    const stream = await client.dialProtocol(server.getMultiaddrs()[0], PROTOCOL)
    const chunk = new Uint8Array(64 * 1024).fill(7)
    const total = 4 * 1024 * 1024
    const sent = stream.sink((async function * () { for (let n = 0; n < total; n += chunk.byteLength) yield chunk })())
    let got = 0
    for await (const part of stream.source) {
      got += part.byteLength
      if (got >= total) break
    }
    await sent
    t.is(got, total)
  } finally {
    await client.stop()
    await server.stop()
  }
})

/** Every installed copy of the package under a node_modules folder, hoisted or nested in another package's. */
function yamuxCopies (nodeModules: string, depth = 0): string[] {
  if (depth > 10 || !isDirectory(nodeModules)) return []
  const found: string[] = []
  for (const name of readdirSync(nodeModules)) {
    const packages = name.startsWith('@') ? readdirSync(join(nodeModules, name)).map(n => `${name}/${n}`) : [name]
    for (const pkg of packages) {
      const path = join(nodeModules, pkg)
      if (pkg === '@chainsafe/libp2p-yamux') found.push(path)
      found.push(...yamuxCopies(join(path, 'node_modules'), depth + 1))
    }
  }
  return found
}

function isDirectory (path: string): boolean {
  try { return statSync(path).isDirectory() } catch { return false }
}

test('every installed copy of @chainsafe/libp2p-yamux carries the patch', t => {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..')
  const copies = [root, ...['balancer', 'membership', 'core'].map(p => join(root, 'packages', p)), join(root, 'bench'), join(root, 'test'), join(root, 'examples')]
    .flatMap(dir => yamuxCopies(join(dir, 'node_modules')))
  t.true(copies.length >= 1, `no copy found under ${root}`)
  for (const copy of copies) {
    const { version } = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')) as { version: string }
    const source = readFileSync(join(copy, 'dist', 'src', 'stream.js'), 'utf8')
    t.true(source.includes('this.recvWindow - this.recvWindowCapacity < this.recvWindow / 2'), `${copy} (${version}) is not patched`)
  }
})
