/**
 * How far other peers' clocks are known to run ahead of this one, from the send times their messages carry.
 *
 * A message sent at `sentAt` by its sender's clock cannot arrive before it was sent, so when it arrives at `now` by
 * ours, the sender's clock is at least `sentAt - now` ahead (NTP's and CockroachDB's offset estimates rest on the
 * same bound). Each message gives a lower bound; the largest recent one is kept. A version is checked against this
 * peer's clock when it arrives, but a copy that was delayed (a frozen receiver, a connection retransmitting after a
 * partition) arrives with its lead over our clock shrunk by the delay: a version stamped by a clock 2 s ahead and
 * delivered 1.6 s late looks 400 ms ahead and would pass a 500 ms bound, then win over every write of the next
 * seconds. Refusing versions stamped by a peer known to run ahead closes that gap: one prompt message from it is
 * enough to know.
 */

/**
 * How long a peer's largest lead is remembered, ms: longer than the partitions and freezes that delay messages
 * (the Jepsen-style test's are 8-20 s), short enough that a peer whose clock was put right is trusted again within
 * a minute (peercall choice).
 */
export const OFFSET_MEMORY_MS = 60_000
/** Peers tracked at most (the roster's size; beyond it the stalest entry goes). */
export const MAX_TRACKED_PEERS = 1024

interface Lead {
  ms: number
  at: number
}

export class PeerOffsets {
  private readonly leads = new Map<string, Lead>()

  /** A message from `peer`, sent at `sentAt` by its clock, arrived at `now` by ours. Non-finite send times are ignored. */
  note (peer: string, sentAt: unknown, now: number): void {
    if (typeof sentAt !== 'number' || !Number.isFinite(sentAt)) return
    const ms = sentAt - now
    const lead = this.leads.get(peer)
    if (lead !== undefined && lead.ms > ms && now - lead.at < OFFSET_MEMORY_MS) return
    this.leads.delete(peer)
    this.leads.set(peer, { ms, at: now })
    if (this.leads.size > MAX_TRACKED_PEERS) this.leads.delete(this.leads.keys().next().value as string)
  }

  /** How far `peer`'s clock is known to run ahead of ours at `now`, ms (0 when it is not known to run ahead). */
  aheadMs (peer: string, now: number): number {
    const lead = this.leads.get(peer)
    if (lead === undefined || now - lead.at >= OFFSET_MEMORY_MS) return 0
    return Math.max(0, lead.ms)
  }
}
