/**
 * Catching up after a start or restart. The store keeps its data in memory, so a peer that starts (or restarts
 * with its identity after a crash) may have lost copies it acknowledged. Until it has pulled from the other
 * owners, its own copy of a key must not count: it neither answers a quorum read for that key nor acknowledges a
 * write of it. A peer it has pulled from is "synced"; a key is caught up once every other owner is.
 *
 * A starting peer learns the roster from membership, which takes a moment, so it also learns it from every peer
 * it pulls from (each answers with its own roster): until every peer named there is in its own roster, its
 * preference lists may be wrong and nothing counts. Peers that join the roster after this peer was ready, and
 * that no peer named when it pulled, count as synced (they cannot hold writes this peer lost).
 *
 * A peer with a fresh identity never held a copy: once it has pulled from every reachable member, a dead member
 * cannot hold anything it lacks that the others do not also hold (every acknowledged write is on W = 2 owners),
 * so it counts every member as synced. A restarted peer may have been the other holder, so keys it shares with a
 * dead member stay uncounted until that member is back and pulled from, or leaves the roster. A pause (SIGSTOP)
 * or a partition loses nothing: the quorums (R + W > N) and read repair cover what the peer missed.
 *
 * One exception keeps writes available while a peer catches up: a version stamped after `versionFloor` (this
 * peer's start plus twice the accepted clock offset) is newer than anything this peer can have lost, since every
 * version it held was accepted before it started, at most one offset ahead of a clock at most one offset ahead of
 * this one. Such a copy counts at once, for writes and for reads.
 */

/** Time after start during which membership is still learning the roster and the store coordinates nothing, ms. */
export const SETTLE_MS = 2000

export class Recovery {
  private readonly synced = new Set<string>()
  /** Peers named by the rosters of the peers pulled from. */
  private readonly expected = new Set<string>()
  private readonly self: string
  private readonly startedAt: number
  private readonly settleMs: number
  private readonly fresh: boolean
  private pulled = 0
  private wasReady = false

  /** Wall time (by the versions' clock) after which a version is newer than anything lost; see the file comment. */
  readonly versionFloor: number

  constructor (self: string, startedAt: number, settleMs = SETTLE_MS, fresh = false, versionFloor = Infinity) {
    this.self = self
    this.versionFloor = versionFloor
    this.fresh = fresh
    this.startedAt = startedAt
    this.settleMs = settleMs
  }

  /** A pull from `peer` succeeded; `theirRoster` is the roster it answered with. */
  markSynced (peer: string, theirRoster: readonly string[] = []): void {
    this.synced.add(peer)
    this.pulled++
    for (const p of theirRoster) if (p !== this.self) this.expected.add(p)
  }

  /** Pulls that succeeded so far. */
  get pulls (): number { return this.pulled }

  /** Whether this peer has been ready (it stays so). */
  isReady (): boolean { return this.wasReady }

  isSynced (peer: string): boolean { return peer === this.self || this.synced.has(peer) }

  /** Roster peers this peer still has to pull from, given which are reachable (alive). */
  pending (roster: readonly string[], alive: (peer: string) => boolean): string[] {
    return roster.filter(p => p !== this.self && !this.synced.has(p) && alive(p))
  }

  /**
   * Peers that joined the roster: if this peer was ready already, has pulled a roster from another peer, and
   * nobody named them, they count as synced. A peer that became ready alone (its membership had found no one by
   * the end of the settle time) knows nothing of the cluster: every peer it meets afterwards is pulled from.
   */
  added (peers: readonly string[]): void {
    if (!this.wasReady || this.pulled === 0) return
    for (const p of peers) if (this.fresh || !this.expected.has(p)) this.synced.add(p)
  }

  /** Whether every peer the others named is in this peer's roster (so its preference lists are theirs). */
  complete (roster: readonly string[]): boolean {
    const have = new Set(roster)
    for (const p of this.expected) if (!have.has(p)) return false
    return true
  }

  /**
   * Whether this peer may coordinate: settled, pulled from at least one peer if there are others, its roster
   * complete, and pulled from every reachable roster peer.
   */
  ready (roster: readonly string[], alive: (peer: string) => boolean, now: number): boolean {
    if (this.wasReady) return true
    if (now - this.startedAt < this.settleMs || (roster.length > 1 && this.pulled === 0)) return false
    if (!this.complete(roster) || this.pending(roster, alive).length > 0) return false
    this.wasReady = true
    if (this.fresh) for (const p of roster) this.synced.add(p)
    return true
  }

  /** Whether a copy with this version counts whatever the catch-up (it is newer than anything lost). */
  dominates (wall: number): boolean { return wall > this.versionFloor }

  /** Whether this peer's copy of a key with these owners (by `roster`) counts. */
  caughtUp (owners: readonly string[], roster: readonly string[], now: number): boolean {
    if (!this.wasReady && (now - this.startedAt < this.settleMs || !this.complete(roster))) return false
    return owners.every(p => this.isSynced(p))
  }
}
