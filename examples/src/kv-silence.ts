/**
 * Which peers have left this one's requests unanswered for too long: the store's own evidence that it cannot
 * reach them, whatever membership says.
 *
 * Membership can call a peer alive that this one cannot reach: SWIM's indirect probes go through any member, so
 * across a partition that a client (or any peer) straddles, both sides stay alive in each other's views, and every
 * copy a coordinator asks across it waits for its whole timeout. A coordinator that counts such an owner as down
 * refuses at once a put or get it cannot complete, and the client's router moves on to a coordinator that can
 * (Finagle's failure accrual marks an endpoint on the same kind of evidence). A peer counts as silent once a
 * request to it has waited `boundMs` with no answer from it since; any answer, and any request it sends here,
 * clears it. Pure bookkeeping: the caller says when it sent, heard, and asks.
 */

/** Peers tracked at most (the roster's size; beyond it the oldest entry goes). */
export const MAX_SILENT_PEERS = 1024

export class Silence {
  /** per peer: when the first request sent since its last answer went out */
  private readonly since = new Map<string, number>()
  private readonly boundMs: number

  constructor (boundMs: number) {
    this.boundMs = boundMs
  }

  /** A request to `peer` goes out at `now`. */
  sent (peer: string, now: number): void {
    if (this.since.has(peer)) return
    if (this.since.size >= MAX_SILENT_PEERS) this.since.delete(this.since.keys().next().value as string)
    this.since.set(peer, now)
  }

  /** `peer` answered, or sent a request of its own. */
  heard (peer: string): void {
    this.since.delete(peer)
  }

  /** Whether a request to `peer` has waited at least the bound with no answer from it since. */
  silent (peer: string, now: number): boolean {
    const t = this.since.get(peer)
    return t !== undefined && now - t >= this.boundMs
  }
}
