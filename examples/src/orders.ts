/**
 * An event-driven pair of services: `Orders` takes orders and emits `order.created`; billing and mail subscribe
 * in their own groups, so every order is billed once (by one of the billing replicas, balanced) and mailed once,
 * and a `cache.clear` broadcast reaches every peer. Copy the three functions; `events-demo.ts` runs them.
 */
import type { EventContext, PeercallNode } from '@peercall/core'

export interface Order {
  id: string
  customer: string
  totalCents: number
}

/** What the Orders service answers. */
export interface Orders {
  place(customer: string, totalCents: number): Promise<{ order: Order, billedBy: string, mailedBy: string }>
}

/**
 * Hosts `Orders` on `node`: `place` stores the order, then emits `order.created`, which resolves once billing and
 * mail have each handled it (an UNAVAILABLE error if one of the groups has no live subscriber).
 */
export function serveOrders (node: PeercallNode): void {
  let next = 1
  node.register('Orders', {
    async place (customer: string, totalCents: number) {
      const order: Order = { id: `o-${next++}`, customer, totalCents }
      const { delivered } = await node.emit('order.created', order)
      const by = (group: string): string => delivered.find(d => d.group === group)?.peer ?? 'nobody'
      return { order, billedBy: by('billing'), mailedBy: by('mail') }
    }
  })
}

/**
 * A billing replica: charges each order once. Deliveries are at least once (a failover after a replica died may
 * repeat one), so the ledger de-duplicates on the order id; run it on as many peers as you like, in group 'billing'.
 */
export function billing (node: PeercallNode, ledger: Map<string, number>): () => void {
  return node.subscribe<Order>('order.created', (order: Order, ctx: EventContext) => {
    if (ledger.has(order.id)) return // already charged: a repeat delivery
    ledger.set(order.id, order.totalCents)
    console.log(`billing on ${short(node.peerId)}: charged ${order.customer} ${order.totalCents} cents for ${order.id} (emitted by ${short(ctx.peer)})`)
  }, { group: 'billing' })
}

/** The mail service: one confirmation per order, in group 'mail'. */
export function mail (node: PeercallNode, outbox: string[]): () => void {
  return node.subscribe<Order>('order.created', (order: Order) => {
    outbox.push(`to ${order.customer}: order ${order.id} confirmed`)
  }, { group: 'mail' })
}

export function short (peerId: string): string {
  return peerId.slice(-6)
}
