import { createHash } from 'node:crypto'
import test from 'ava'
import { createNode } from '@peercall/core'
import { feed } from '../src/feed.js'
import type { Tick } from '../src/feed.js'

test('the Feed example across two peers: live ticks, an upload with its digest, a running average', async t => {
  const a = await createNode({ membership: { profile: 'fast' } })
  const b = await createNode({ bootstrap: [a.multiaddrs[0]], membership: { profile: 'fast' } })
  t.teardown(async () => { await Promise.all([a.stop(), b.stop()]) })
  b.register('Feed', feed)
  const peer = b.peerId
  const ticks: Tick[] = []
  for await (const tick of a.stream<Tick>('Feed', 'prices', [['X', 'Y'], 5], { peer: b.multiaddrs[0] })) if (ticks.push(tick) === 6) break
  t.deepEqual(ticks.map(x => x.symbol), ['X', 'Y', 'X', 'Y', 'X', 'Y'])
  const data = new Uint8Array(300_000).map((_, i) => i % 251)
  async function * chunks (): AsyncGenerator<Uint8Array> { for (let i = 0; i < data.byteLength; i += 65_536) yield data.subarray(i, i + 65_536) }
  const up = await a.call<{ bytes: number, chunks: number, sha256: string }>('Feed', 'upload', ['f'], { peer, input: chunks() })
  t.is(up.bytes, 300_000)
  t.is(up.chunks, 5)
  t.is(up.sha256, createHash('sha256').update(data).digest('hex'))
  const avg: number[] = []
  for await (const v of a.stream<number>('Feed', 'average', [], { peer, input: [2, 4, 6] })) avg.push(v)
  t.deepEqual(avg, [2, 3, 4])
})
