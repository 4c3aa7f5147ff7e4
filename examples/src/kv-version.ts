/**
 * Versions of the replicated store: hybrid logical clock timestamps stamped by the peer that coordinates a put,
 * with the stamping peer's id to break ties, ordered last-writer-wins. A version received from another peer is
 * checked before it is stored: finite non-negative integers, and a wall time no further ahead of this peer's own
 * clock than the accepted offset, so that one fast (or hostile) clock cannot hide every later write of a key.
 */
import { RpcError } from '@peercall/core'

/**
 * Largest offset of a version's wall time ahead of the receiving peer's clock that is accepted, ms. NTP keeps
 * hosts within tens of ms on a LAN; CockroachDB's default maximum offset is 500 ms, and so is this bound.
 */
export const MAX_CLOCK_OFFSET_MS = 500
/** Longest peer id accepted in a version (an Ed25519 peer id is 52 characters). */
const MAX_BY_LENGTH = 128
/** Largest logical counter accepted (a counter past this means a broken or hostile peer). */
const MAX_LOGICAL = 2 ** 31

export interface Version {
  wall: number
  logical: number
  /** Peer that stamped it: breaks ties. */
  by: string
}

export interface Entry {
  value: unknown
  version: Version
}

/** Total order: negative if a < b, 0 if equal, positive if a > b. */
export function compareVersions (a: Version, b: Version): number {
  if (a.wall !== b.wall) return a.wall - b.wall
  if (a.logical !== b.logical) return a.logical - b.logical
  return a.by < b.by ? -1 : a.by > b.by ? 1 : 0
}

export function newer (a: Version, b: Version): boolean {
  return compareVersions(a, b) > 0
}

/**
 * The version if it is well formed and not more than `maxOffsetMs` ahead of `now`; otherwise an INVALID_ARGUMENT
 * RpcError whose `data.reason` is 'malformed' or 'clock-offset' (with `aheadMs`).
 */
export function checkVersion (v: unknown, now: number, maxOffsetMs = MAX_CLOCK_OFFSET_MS): Version {
  const x = v as Partial<Version> | null
  if (x === null || typeof x !== 'object' || !Number.isSafeInteger(x.wall) || (x.wall as number) < 0 ||
    !Number.isSafeInteger(x.logical) || (x.logical as number) < 0 || (x.logical as number) > MAX_LOGICAL ||
    typeof x.by !== 'string' || x.by.length === 0 || x.by.length > MAX_BY_LENGTH) {
    throw new RpcError('INVALID_ARGUMENT', 'malformed version: wall and logical must be non-negative integers, by a peer id', { data: { reason: 'malformed' } })
  }
  const ahead = (x.wall as number) - now
  if (ahead > maxOffsetMs) {
    throw new RpcError('INVALID_ARGUMENT', `version is ${ahead} ms ahead of this peer's clock (accepted offset ${maxOffsetMs} ms): the stamping peer's clock is off`, { data: { reason: 'clock-offset', aheadMs: ahead } })
  }
  return { wall: x.wall as number, logical: x.logical as number, by: x.by }
}

/** A well-formed entry (its version checked as `checkVersion` does), or a throw. */
export function checkEntry (e: unknown, now: number, maxOffsetMs = MAX_CLOCK_OFFSET_MS): Entry {
  const x = e as Partial<Entry> | null
  if (x === null || typeof x !== 'object') throw new RpcError('INVALID_ARGUMENT', 'malformed entry', { data: { reason: 'malformed' } })
  return { value: x.value, version: checkVersion(x.version, now, maxOffsetMs) }
}
