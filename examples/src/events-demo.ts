/**
 * Events across a cluster: `node examples/dist/src/events-demo.js` (after `npm run build`).
 *
 * Four peers on loopback: one hosts `Orders`, two are billing replicas, one sends mail. Six orders are placed:
 * each is billed by one replica (balanced) and mailed once. Then a `cache.clear` broadcast reaches every peer,
 * one billing replica dies abruptly and the next orders fail over to the other, and with both gone an order fails
 * with UNAVAILABLE naming the event and the group instead of silently losing the charge.
 */
import { createNode, RpcError } from '@peercall/core'
import { billing, mail, serveOrders, short } from './orders.js'
import type { Orders } from './orders.js'
import type { NodeOptions, PeercallNode } from '@peercall/core'

const options: NodeOptions = { membership: { profile: 'fast' }, timeoutMs: 5000 }
const nodes: PeercallNode[] = []
try {
  const shop = await createNode(options)
  nodes.push(shop)
  const join = async (): Promise<PeercallNode> => {
    const n = await createNode({ ...options, bootstrap: [shop.multiaddrs[0]] })
    nodes.push(n)
    return n
  }
  const [billA, billB, mailer] = [await join(), await join(), await join()]
  serveOrders(shop)
  const ledgers = [new Map<string, number>(), new Map<string, number>()]
  billing(billA, ledgers[0])
  billing(billB, ledgers[1])
  const outbox: string[] = []
  mail(mailer, outbox)
  for (const n of nodes) n.subscribe('cache.clear', () => { console.log(`cache cleared on ${short(n.peerId)}`) })
  // wait until the shop sees every subscription in the members' records
  const subscribed = (peer: string, group: string): boolean =>
    shop.members().some(m => m.peerId === peer && m.state === 'alive' && (m.meta['ev:order.created']?.split(',').includes(group) ?? false))
  for (let i = 0; i < 200 && !(subscribed(billA.peerId, 'billing') && subscribed(billB.peerId, 'billing') && subscribed(mailer.peerId, 'mail')); i++) {
    await new Promise(resolve => setTimeout(resolve, 50))
  }

  const orders = shop.service<Orders>('Orders')
  const placed = await Promise.all(['ada', 'bob', 'cy', 'dee', 'eve', 'fay'].map(async (who, i) => await orders.place(who, 1000 + i)))
  for (const p of placed) console.log(`${p.order.id}: billed by ${short(p.billedBy)}, mailed by ${short(p.mailedBy)}`)
  console.log(`charges per billing replica: ${ledgers.map(l => l.size).join(' + ')} = ${placed.length}; mails sent: ${outbox.length}`)

  const cleared = await shop.broadcast('cache.clear')
  console.log(`cache.clear reached ${cleared.delivered.length} peers`)

  // a billing replica dies without leaving: orders fail over to the other
  await (billA as unknown as { libp2p: { stop: () => Promise<void> } }).libp2p.stop()
  const after = await orders.place('gus', 2000)
  console.log(`${after.order.id} after a replica died: billed by ${short(after.billedBy)}`)

  await (billB as unknown as { libp2p: { stop: () => Promise<void> } }).libp2p.stop()
  try {
    await orders.place('hal', 3000)
    console.log('an order with no billing replica alive was accepted (unexpected!)')
    process.exitCode = 1
  } catch (err) {
    if (!(err instanceof RpcError)) throw err
    console.log(`with no billing replica alive: ${err.code}: ${err.message.split(' (')[0]}`)
  }
} finally {
  await Promise.all(nodes.map(async n => { await n.stop().catch(() => {}) }))
}
