/**
 * The patches to the transport stack (patches/, applied by `npm ci`'s postinstall; patches/README.md says why).
 * @chainsafe/libp2p-yamux: a stream sends a window update once half of its receive window is consumed, not after
 * every data frame it reads (unpatched, each side of a lone request/response writes twice per round trip: its
 * message, then a window update for the message it read). it-byte-stream and @chainsafe/libp2p-noise: fewer
 * wrappers on an established stream's path (promises per round trip).
 */
import { createHook } from 'node:async_hooks'
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { Socket } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { byteStream } from 'it-byte-stream'
import { pushable } from 'it-pushable'
import { createLibp2p, type Libp2p } from 'libp2p'

const PROTOCOL = '/peercall-test/echo/1.0.0'
/** Round trips measured; each one is a 26-byte message answered by its echo. */
const ROUND_TRIPS = 200
/** Writes allowed per side beyond one per round trip: libp2p's own traffic (a ping, an identify) in the window. */
const SLACK = 10
/**
 * Promises both nodes create per lone round trip, at most: about 110 patched; unpatched 230 (it-byte-stream's
 * pushable on every wrapper negotiation left, noise's stream pair and merged pipe), 180 with only the yamux patch.
 */
const MAX_PROMISES_PER_ROUND_TRIP = 130
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..')

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

/** Two bare nodes with an echo stream between them; `roundTrip` sends the message and waits for its echo. */
async function echoPair (): Promise<{ roundTrip: () => Promise<void>, stop: () => Promise<void> }> {
  const server = await bareNode()
  const client = await bareNode()
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
  return { roundTrip, stop: async () => { out.end(); await client.stop(); await server.stop() } }
}

test.serial('a lone round trip between two libp2p nodes makes one socket write per side', async t => {
  t.timeout(30_000)
  const pair = await echoPair()
  try {
    const counts = await countWrites(async () => { for (let i = 0; i < ROUND_TRIPS; i++) await pair.roundTrip() })
    const perSide = [...counts.values()]
    t.is(perSide.length, 2, 'both sides wrote, on one socket each')
    t.log(`socket writes per round trip: ${perSide.map(w => (w / ROUND_TRIPS).toFixed(2)).join(', ')}`)
    for (const writes of perSide) {
      t.true(writes <= ROUND_TRIPS + SLACK, `${writes} writes for ${ROUND_TRIPS} round trips (${(writes / ROUND_TRIPS).toFixed(2)} per round trip)`)
    }
  } finally {
    await pair.stop()
  }
})

test.serial(`a lone round trip between two libp2p nodes creates at most ${MAX_PROMISES_PER_ROUND_TRIP} promises`, async t => {
  t.timeout(30_000)
  const pair = await echoPair()
  try {
    let promises = 0
    const hook = createHook({ init (_id, type) { if (type === 'PROMISE') promises++ } })
    hook.enable()
    try {
      for (let i = 0; i < ROUND_TRIPS; i++) await pair.roundTrip()
    } finally {
      hook.disable()
    }
    const perRoundTrip = promises / ROUND_TRIPS
    t.log(`${perRoundTrip.toFixed(1)} promises per round trip, both nodes`)
    t.true(perRoundTrip <= MAX_PROMISES_PER_ROUND_TRIP, `${perRoundTrip.toFixed(1)} promises per round trip`)
  } finally {
    await pair.stop()
  }
})

test.serial('a stream still sends window updates: 4 MiB through one stream, more than its 256 KiB initial window', async t => {
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

interface PatchFile { file: string, pkgs: string[], version: string }

/** patches/*.patch by patch-package's naming: `<a>[++<b>]+<version>.patch`, scope `/` written `+`. */
function patchFiles (): PatchFile[] {
  return readdirSync(join(ROOT, 'patches')).filter(f => f.endsWith('.patch')).map(file => {
    const chain = file.slice(0, -'.patch'.length).split('++')
    const last = chain[chain.length - 1].split('+')
    const pkgs = [...chain.slice(0, -1), last.slice(0, -1).join('+')].map(p => p.split('+').join('/'))
    return { file, pkgs, version: last[last.length - 1] }
  })
}

/** Every installed copy of `pkg` under a node_modules folder, hoisted or nested in another package's. */
function installedCopies (nodeModules: string, pkg: string, depth = 0): string[] {
  if (depth > 10 || !isDirectory(nodeModules)) return []
  const found: string[] = []
  for (const name of readdirSync(nodeModules)) {
    const packages = name.startsWith('@') ? readdirSync(join(nodeModules, name)).map(n => `${name}/${n}`) : [name]
    for (const entry of packages) {
      const path = join(nodeModules, entry)
      if (entry === pkg) found.push(path)
      found.push(...installedCopies(join(path, 'node_modules'), pkg, depth + 1))
    }
  }
  return found
}

function isDirectory (path: string): boolean {
  try { return statSync(path).isDirectory() } catch { return false }
}

/** Whether the patch is applied to the copy at `dir`: it reverses cleanly there (a dry run changes nothing). */
function carriesPatch (patch: PatchFile, dir: string): boolean {
  // the patch's paths are a/node_modules/<a>[/node_modules/<b>]/...: strip them down to the package's own files
  const strip = 1 + patch.pkgs.reduce((n, p) => n + 1 + p.split('/').length, 0)
  try {
    execFileSync('patch', ['-R', '--dry-run', '-s', '-f', `-p${strip}`, '-d', dir, '-i', join(ROOT, 'patches', patch.file)], { stdio: 'pipe' })
    return true
  } catch {
    return false
  }
}

test.serial('every installed copy of a patched package at the patched version carries its patch', t => {
  const folders = [ROOT, ...['balancer', 'membership', 'core'].map(p => join(ROOT, 'packages', p)), ...['bench', 'test', 'examples'].map(p => join(ROOT, p))]
  const patches = patchFiles()
  t.true(patches.length >= 3, `patches: ${patches.map(p => p.file).join(', ')}`)
  for (const patch of patches) {
    const pkg = patch.pkgs[patch.pkgs.length - 1]
    const parent = patch.pkgs.length > 1 ? `/node_modules/${patch.pkgs[0]}/node_modules/` : undefined
    const copies = folders.flatMap(dir => installedCopies(join(dir, 'node_modules'), pkg))
      .filter(dir => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version === patch.version)
      // a patch to a copy nested in one package is for that copy only
      .filter(dir => parent === undefined || dir.includes(parent))
    t.true(copies.length >= 1, `no copy of ${pkg}@${patch.version} installed`)
    for (const dir of copies) t.true(carriesPatch(patch, dir), `${dir} lacks ${patch.file}`)
  }
})

/** A duplex whose sink collects the bytes it reads and whose source yields `chunks`. */
function recordingDuplex (chunks: number[][]): { duplex: { source: AsyncGenerator<Uint8Array>, sink: (source: AsyncIterable<Uint8Array>) => Promise<void> }, received: number[], finished: () => boolean } {
  const received: number[] = []
  let finished = false
  const duplex = {
    source: (async function * () { for (const c of chunks) yield Uint8Array.from(c) })(),
    sink: async (source: AsyncIterable<Uint8Array>) => {
      for await (const buf of source) received.push(...buf)
      finished = true
    }
  }
  return { duplex, received, finished: () => finished }
}

test.serial('it-byte-stream: an unwrapped duplex keeps byte order both ways, and its sink resolves once the duplex\'s own sink has finished', async t => {
  const { duplex, received, finished } = recordingDuplex([[1, 2, 3], [4]])
  const bytes = byteStream(duplex)
  await bytes.write(Uint8Array.of(10))
  t.deepEqual([...(await bytes.read({ bytes: 2 })).subarray()], [1, 2])
  const unwrapped = bytes.unwrap()
  const read: number[] = []
  for await (const buf of unwrapped.source) read.push(...buf.subarray())
  t.deepEqual(read, [3, 4], 'the byte read but not consumed comes first')
  await unwrapped.sink((async function * () { yield Uint8Array.of(11); yield Uint8Array.of(12) })())
  t.true(finished())
  t.deepEqual(received, [10, 11, 12])
})

test.serial('it-byte-stream: a failing source of the unwrapped duplex rejects its sink', async t => {
  const { duplex } = recordingDuplex([])
  const unwrapped = byteStream(duplex).unwrap()
  await t.throwsAsync(unwrapped.sink((async function * () { yield Uint8Array.of(1); throw new Error('source failed') })()), { message: 'source failed' })
})

test.serial('it-byte-stream: a chunk written through three unwrapped wrappers crosses no pushable (promises per chunk)', async t => {
  const { duplex, received } = recordingDuplex([])
  let outer: typeof duplex = duplex
  for (let i = 0; i < 3; i++) {
    const bytes = byteStream(outer)
    await bytes.write(Uint8Array.of(i)) // a negotiation's message before unwrapping, as multistream-select writes
    outer = bytes.unwrap()
  }
  const chunks = 1000
  let promises = 0
  const hook = createHook({ init (_id, type) { if (type === 'PROMISE') promises++ } })
  hook.enable()
  try {
    await outer.sink((async function * () { for (let i = 0; i < chunks; i++) yield Uint8Array.of(7) })())
  } finally {
    hook.disable()
  }
  t.is(received.length, 3 + chunks)
  t.log(`${(promises / chunks).toFixed(1)} promises per chunk`)
  // the source generator's own next() and the duplex's for-await: about 3; unpatched each wrapper adds about 13
  t.true(promises / chunks <= 6, `${(promises / chunks).toFixed(1)} promises per chunk`)
})
