/**
 * The payload of a member's record (addresses, services, meta, load), validated when it comes from the network:
 * whatever a hostile member signs, a peer keeps at most these bounds of it. Pure.
 */
import type { Load } from './load.js'

export interface RecordData { addrs: string[], services: string[], meta: Record<string, string>, load: Load }

/** Addresses and services kept per record (a peer listens on a few addresses and hosts tens of services). */
export const MAX_RECORD_LIST = 256
/** Meta entries kept per record (peercall's own meta uses a few, such as `idem:<service>`). */
export const MAX_RECORD_META = 256
/** Longest string kept in a record (an address, a service name, a meta key or value), in UTF-16 units. */
export const MAX_RECORD_STRING = 1024

const short = (s: unknown): s is string => typeof s === 'string' && s.length <= MAX_RECORD_STRING

/** A record payload received from the network, within the bounds above; anything malformed becomes empty or 0. */
export function asRecord (x: unknown): RecordData {
  const d = (typeof x === 'object' && x !== null ? x : {}) as Record<string, unknown>
  const strs = (v: unknown): string[] => Array.isArray(v) ? v.filter(short).slice(0, MAX_RECORD_LIST) : []
  const l = (typeof d.load === 'object' && d.load !== null ? d.load : {}) as Record<string, unknown>
  const num = (v: unknown): number => typeof v === 'number' && Number.isFinite(v) ? v : 0
  const meta: Record<string, string> = {}
  if (typeof d.meta === 'object' && d.meta !== null && !Array.isArray(d.meta)) {
    let n = 0
    for (const [k, v] of Object.entries(d.meta)) {
      if (n >= MAX_RECORD_META) break
      if (short(k) && short(v) && k !== '__proto__') { meta[k] = v; n++ }
    }
  }
  return {
    addrs: strs(d.addrs),
    services: strs(d.services),
    meta,
    load: { inflight: num(l.inflight), latencyMs: num(l.latencyMs), eventLoopDelayMs: num(l.eventLoopDelayMs), cpu: num(l.cpu), memoryMb: num(l.memoryMb) }
  }
}
