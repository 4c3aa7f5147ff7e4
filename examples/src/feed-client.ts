/**
 * Streams across example peers: `npx node examples/dist/src/feed-client.js <multiaddr of a peer>` joins the
 * cluster, waits for the Feed service,
 * reads ten live ticks (server streaming, then leaves the loop: the peer's generator stops), uploads 1 MiB in
 * 64 KiB chunks (client streaming) and checks the digest, and keeps a running average (bidi).
 */
import { createHash, randomBytes } from 'node:crypto'
import { createNode } from '@peercall/core'
import type { Tick } from './feed.js'

const target = process.argv[2]
if (target === undefined) {
  process.stderr.write('usage: feed-client <multiaddr ending in /p2p/<peer id>>\n')
  process.exit(2)
}

const node = await createNode({ bootstrap: [target] })
try {
  await node.waitForServices(['Feed'], { timeoutMs: 15_000 })
  let n = 0
  for await (const tick of node.stream<Tick>('Feed', 'prices', [['ACME', 'GLOBEX'], 50])) {
    console.log(`tick ${tick.symbol} ${tick.price.toFixed(2)}`)
    if (++n === 10) break // leaving the loop stops the peer's generator
  }

  const file = randomBytes(1024 * 1024)
  async function * chunks (): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < file.byteLength; i += 64 * 1024) yield file.subarray(i, i + 64 * 1024)
  }
  const up = await node.call<{ bytes: number, chunks: number, sha256: string }>('Feed', 'upload', ['report.bin'], { input: chunks(), timeoutMs: 30_000 })
  const ok = up.sha256 === createHash('sha256').update(file).digest('hex')
  console.log(`upload: ${up.bytes} bytes in ${up.chunks} chunks, digest ${ok ? 'matches' : 'DIFFERS'}`)

  const averages: number[] = []
  for await (const avg of node.stream<number>('Feed', 'average', [], { input: [4, 8, 15, 16, 23, 42] })) averages.push(avg)
  console.log('running average:', averages.map(a => a.toFixed(2)).join(' '))
  if (!ok) process.exitCode = 1
} finally {
  await node.stop()
}
