/**
 * Wire format of the membership protocol: msgpack envelopes `{ c: cluster, m: message }`, validated on decode so
 * that hostile bytes are dropped, never thrown into the state machine.
 */
import { Packr } from 'msgpackr'
import type { DirectMessage, Entry, GossipMessage, MemberState } from './messages.js'

/** Largest envelope accepted, in bytes (a full state exchange of a few thousand members fits). */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024

const packr = new Packr({ useRecords: false, mapsAsObjects: true })

export function encode (cluster: string, m: DirectMessage | GossipMessage): Uint8Array {
  return packr.pack({ c: cluster, m })
}

const STATES = new Set<MemberState>(['alive', 'suspect', 'dead', 'left'])
const isStr = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length < 256
const isNat = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0

function unpack (cluster: string, bytes: Uint8Array): Record<string, unknown> | undefined {
  if (bytes.byteLength > MAX_MESSAGE_BYTES) return undefined
  let env: unknown
  try { env = packr.unpack(bytes) } catch { return undefined }
  if (typeof env !== 'object' || env === null) return undefined
  const e = env as { c?: unknown, m?: unknown }
  if (e.c !== cluster || typeof e.m !== 'object' || e.m === null) return undefined
  return e.m as Record<string, unknown>
}

function entry (x: unknown): Entry | undefined {
  if (typeof x !== 'object' || x === null) return undefined
  const e = x as Record<string, unknown>
  if (!isStr(e.id) || !STATES.has(e.state as MemberState) || !isNat(e.inc) || !isNat(e.ver)) return undefined
  return { id: e.id, state: e.state as MemberState, inc: e.inc, ver: e.ver, data: e.data }
}

/** Decode a point-to-point message of `cluster`; undefined when malformed or of another cluster. */
export function decodeDirect (cluster: string, bytes: Uint8Array): DirectMessage | undefined {
  const m = unpack(cluster, bytes)
  if (m === undefined || !('t' in m)) return undefined
  switch (m.t) {
    case 'ping':
      if (!isNat(m.seq)) return undefined
      return m.suspectInc === undefined ? { t: 'ping', seq: m.seq } : isNat(m.suspectInc) ? { t: 'ping', seq: m.seq, suspectInc: m.suspectInc } : undefined
    case 'ack': case 'nack':
      return isNat(m.seq) ? { t: m.t, seq: m.seq } : undefined
    case 'ping-req':
      return isNat(m.seq) && isStr(m.target) ? { t: 'ping-req', seq: m.seq, target: m.target } : undefined
    case 'sync': {
      if (!Array.isArray(m.entries) || typeof m.reply !== 'boolean') return undefined
      const entries: Entry[] = []
      for (const x of m.entries) { const e = entry(x); if (e !== undefined) entries.push(e) }
      return { t: 'sync', entries, reply: m.reply }
    }
    default: return undefined
  }
}

/** Decode a broadcast message of `cluster`; undefined when malformed or of another cluster. */
export function decodeGossip (cluster: string, bytes: Uint8Array): GossipMessage | undefined {
  const m = unpack(cluster, bytes)
  if (m === undefined || !isStr(m.id) || !isNat(m.inc)) return undefined
  switch (m.t) {
    case 'alive': return isNat(m.ver) ? { t: 'alive', id: m.id, inc: m.inc, ver: m.ver, data: m.data } : undefined
    case 'left': return { t: 'left', id: m.id, inc: m.inc }
    case 'suspect': case 'dead': return isStr(m.from) ? { t: m.t, id: m.id, inc: m.inc, from: m.from } : undefined
    default: return undefined
  }
}
