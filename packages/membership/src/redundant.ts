/**
 * Redundant connections. Two peers that learn of each other at the same moment (a newcomer from the seed's full
 * state, the cluster from the newcomer's gossip) both dial, and both connections stay open: in a 32-peer cluster
 * of separate processes 126-161 connections beyond one per pair, about 0.23 MB of memory each. Every stream then
 * goes to one of them (libp2p opens new streams on the first connection it holds to a peer), and the other carries
 * none for as long as it lives. This module picks those to close: a connection with no stream, beside another
 * open connection to the same peer, old enough to have finished its set-up. Closing it breaks nothing (no stream
 * is on it, and the peer stays connected, so no disconnect is reported to gossipsub or membership).
 *
 * Only the peer whose id sorts first in a pair decides, so that two peers never close one connection each of the
 * same pair at once.
 */

/** What the choice needs to know of one connection. */
export interface ConnectionView {
  id: string
  /** the remote peer's id */
  peer: string
  /** streams open on it, both directions */
  streams: number
  /** when it was upgraded (encrypted and multiplexed), ms (any clock, the same for all) */
  openedAt: number
  /** libp2p's status: only 'open' connections count */
  status: string
  /** a connection with limits (a relay's): never closed here, nor handed out by libp2p for new streams */
  limited: boolean
}

/**
 * A connection's set-up (encryption, muxer, identify, the first gossipsub and membership streams) is done well
 * within this many probe periods; only a connection older than that and still without a stream is closed (peercall
 * choice: 10 periods, 10 s with the LAN profile).
 */
export const REDUNDANT_MIN_AGE_PERIODS = 10
/** How often the connections are looked at, in probe periods (peercall choice: 5, every 5 s with the LAN profile). */
export const REDUNDANT_CHECK_PERIODS = 5

/**
 * The ids of the connections to close: for each peer (with `self` sorting before it) with more than one open
 * connection, keep the one with the most streams (the oldest among equals), and close the others that have no
 * stream, opened at least `minAgeMs` before `now`, and are not the one this peer's own new streams would go to.
 * `conns` is in libp2p's order (`getConnections()`): `dial(peer)` hands out the first connection without limits it
 * holds to the peer, whatever its status, an order the two peers need not share.
 */
export function redundantConnections (self: string, conns: readonly ConnectionView[], now: number, minAgeMs: number): string[] {
  const handedOut = new Map<string, string>()
  const byPeer = new Map<string, ConnectionView[]>()
  for (const c of conns) {
    if (!c.limited && !handedOut.has(c.peer)) handedOut.set(c.peer, c.id)
    if (c.status !== 'open' || !(self < c.peer)) continue
    const list = byPeer.get(c.peer)
    if (list === undefined) byPeer.set(c.peer, [c]); else list.push(c)
  }
  const close: string[] = []
  for (const list of byPeer.values()) {
    if (list.length < 2) continue
    const keep = list.reduce((best, c) => preferred(c, best) ? c : best)
    for (const c of list) {
      if (c !== keep && !c.limited && handedOut.get(c.peer) !== c.id && c.streams === 0 && now - c.openedAt >= minAgeMs) close.push(c.id)
    }
  }
  return close
}

/** Whether `a` is kept over `b`: more streams, then older, then the smaller id. */
function preferred (a: ConnectionView, b: ConnectionView): boolean {
  if (a.streams !== b.streams) return a.streams > b.streams
  if (a.openedAt !== b.openedAt) return a.openedAt < b.openedAt
  return a.id < b.id
}
