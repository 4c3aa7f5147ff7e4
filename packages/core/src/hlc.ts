/**
 * Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014): timestamps that follow physical time,
 * never go backwards, and order every send before its receive across peers, without synchronised clocks.
 */
import { HLC_MAX_DRIFT_MS } from './defaults.js'

export interface HlcTimestamp {
  /** Milliseconds since the epoch: the largest physical time seen. */
  readonly wall: number
  /** Counter that orders events within one `wall` millisecond. */
  readonly logical: number
}

/** Total order of timestamps: negative if a < b, 0 if equal, positive if a > b. */
export function compareHlc (a: HlcTimestamp, b: HlcTimestamp): number {
  return a.wall !== b.wall ? a.wall - b.wall : a.logical - b.logical
}

/** A timestamp as one sortable string: 13+ digits of wall time and 6 of counter. */
export function formatHlc (t: HlcTimestamp): string {
  return `${String(t.wall).padStart(13, '0')}.${String(t.logical).padStart(6, '0')}`
}

export interface HybridClockOptions {
  /** Physical clock, ms. @default Date.now */
  now?: () => number
  /** Remote timestamps further ahead of the physical clock than this are not merged. @default HLC_MAX_DRIFT_MS */
  maxDriftMs?: number
}

export class HybridClock {
  /** Remote timestamps not merged because they were too far ahead of the physical clock (or not numbers). */
  rejected = 0
  private wall = 0
  private logical = 0
  private readonly physical: () => number
  private readonly maxDriftMs: number

  constructor (options: HybridClockOptions = {}) {
    this.physical = options.now ?? Date.now
    this.maxDriftMs = options.maxDriftMs ?? HLC_MAX_DRIFT_MS
  }

  /**
   * A timestamp for a local or send event. `pt`: the physical time, when the caller has just read it (a session
   * reads it once per received chunk); a value a little in the past only makes the counter advance instead.
   */
  tick (pt = this.physical()): HlcTimestamp {
    if (pt > this.wall) {
      this.wall = pt
      this.logical = 0
    } else {
      this.logical++
    }
    return { wall: this.wall, logical: this.logical }
  }

  /**
   * A timestamp for the receipt of a remote timestamp: later than both this clock and the remote one.
   * A remote wall time more than `maxDriftMs` ahead of the physical clock is not merged (a broken or hostile
   * clock must not drag ours into the future); the receipt is then timestamped locally and counted in
   * `rejected`. `pt` as for tick.
   */
  receive (remote: HlcTimestamp, pt = this.physical()): HlcTimestamp {
    if (!Number.isFinite(remote.wall) || !Number.isFinite(remote.logical) || remote.wall - pt > this.maxDriftMs) {
      this.rejected++
      return this.tick(pt)
    }
    const wall = Math.max(this.wall, remote.wall, pt)
    if (wall === this.wall && wall === remote.wall) {
      this.logical = Math.max(this.logical, remote.logical) + 1
    } else if (wall === this.wall) {
      this.logical++
    } else if (wall === remote.wall) {
      this.logical = remote.logical + 1
    } else {
      this.logical = 0
    }
    this.wall = wall
    return { wall: this.wall, logical: this.logical }
  }

  /** The latest timestamp issued, without advancing the clock. */
  peek (): HlcTimestamp {
    return { wall: this.wall, logical: this.logical }
  }
}
