/**
 * A subscribing peer in another process killed with SIGKILL while emits flow: every emit still resolves, each
 * delivered to a live subscriber of the group; none is delivered to the dead peer after its death.
 */
import test from 'ava'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { createNode } from '../../src/index.js'
import { waitFor } from '../helpers/wait.js'
import type { EmitResult } from '../../src/index.js'

const PEER = fileURLToPath(new URL('../fixtures/events-peer.js', import.meta.url))

test('SIGKILL of a subscribing process: emits fail over to the other subscriber of the group', async t => {
  t.timeout(120_000)
  const a = await createNode({ membership: { profile: 'fast' } })
  const c = await createNode({ membership: { profile: 'fast' }, bootstrap: [a.multiaddrs[0]] })
  const child = spawn(process.execPath, [PEER, a.multiaddrs[0], 'order.created', 'billing'], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await Promise.all([a.stop(), c.stop()])
  })
  const atChild: string[] = []
  let childId = ''
  createInterface({ input: child.stdout }).on('line', line => {
    const msg = JSON.parse(line) as { event: string, id?: string, peerId?: string }
    if (msg.event === 'listening') childId = msg.peerId as string
    if (msg.event === 'delivered') atChild.push(msg.id as string)
  })
  const atC: string[] = []
  c.subscribe('order.created', (_p, ctx) => { atC.push(ctx.id) }, { group: 'billing' })
  const subscribed = (peer: string): boolean => a.members().some(m => m.peerId === peer && m.state === 'alive' && m.meta['ev:order.created'] === 'billing')
  await waitFor(() => childId !== '' && subscribed(childId) && subscribed(c.peerId), 30_000, 'both subscriptions in the records')

  // concurrent, so that p2c (which weighs calls in flight) spreads them over both subscribers
  const before: EmitResult[] = await Promise.all(Array.from({ length: 20 }, async (_, i) => await a.emit('order.created', i)))
  await waitFor(() => atChild.length + atC.length === 20, 10_000, 'the first 20 deliveries')
  t.true(before.every(r => r.delivered.length === 1))
  t.true(atChild.length > 0, 'the child took a share before it died')

  child.kill('SIGKILL')
  await new Promise(resolve => { if (child.exitCode !== null || child.signalCode !== null) resolve(undefined); else child.once('exit', resolve) })
  const after = await Promise.all(Array.from({ length: 20 }, async (_, i) => await a.emit('order.created', 100 + i)))
  for (const r of after) {
    t.deepEqual(r.delivered, [{ group: 'billing', peer: c.peerId }])
    t.is(atC.filter(id => id === r.id).length, 1)
    t.false(atChild.includes(r.id))
  }
  // every emit, before and after, was handled exactly once in all
  for (const r of [...before, ...after]) t.is(atC.filter(id => id === r.id).length + atChild.filter(id => id === r.id).length, 1)
})
