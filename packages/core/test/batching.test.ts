/**
 * Write batching over real libp2p streams: calls spread over several sessions must still leave a few per socket
 * write. (Before the writer waited for the end of the event-loop turn, a caller's next call raced the writer of
 * whichever session it picked, and every frame went in its own write: 3.9 socket writes per call, 10x the CPU.)
 */
import * as net from 'node:net'
import test from 'ava'
import { createNode } from '../src/index.js'
import type { PeercallNode } from '../src/index.js'

test('64 calls in flight over two sessions: well under one socket write per call', async t => {
  t.timeout(60_000)
  const nodes: PeercallNode[] = []
  t.teardown(async () => { await Promise.all(nodes.map(async n => { await n.stop() })) })
  const servers = [await createNode(), await createNode()]
  nodes.push(...servers)
  for (const s of servers) s.register('Echo', { echo: (x: string) => x })
  const client = await createNode()
  nodes.push(client)
  // open both sessions first, so that only the calls are counted
  for (const s of servers) t.is(await client.call('Echo', 'echo', ['warm'], { peer: s.multiaddrs[0] }), 'warm')
  let writes = 0
  const write = net.Socket.prototype.write
  net.Socket.prototype.write = function (this: net.Socket, ...args: Parameters<typeof write>) { writes++; return write.apply(this, args) } as typeof write
  t.teardown(() => { net.Socket.prototype.write = write })
  const callers = 64
  const rounds = 30
  let next = 0
  await Promise.all(Array.from({ length: callers }, async () => {
    for (let i = 0; i < rounds; i++) {
      // each caller alternates between the two servers, as a balancer spreading calls over two peers does
      const peer = servers[next++ % 2].peerId
      await client.call('Echo', 'echo', ['x'], { peer })
    }
  }))
  net.Socket.prototype.write = write
  const calls = callers * rounds
  t.log(`${calls} calls, ${writes} socket writes in the process, both directions (${(writes / calls).toFixed(2)} per call)`)
  // unbatched, each call costs at least two writes (request and answer); batched, a few hundredths
  t.true(writes / calls < 1, `${writes} writes for ${calls} calls`)
})
