/**
 * Who subscribes to an event across the cluster, read from the members' records (`ev:<event>` meta) and this
 * peer's own table: per group, the live peers that can take a delivery, and the dead ones that explain why none
 * can. Pure: members in, candidate lists out.
 */
import { groupsInRecord } from './names.js'
import type { Candidate } from '@peercall/balancer'
import type { Member } from '@peercall/membership'

export interface GroupSubscribers {
  readonly group: string
  /**
   * Peers that can take a delivery: alive members, and suspect ones only when no alive member subscribes
   * in the group (SWIM suspicion is not death); this peer too, if it subscribes (`local: true`).
   */
  readonly candidates: Candidate[]
  /** Members subscribed in the group that are dead (their record is kept as a tombstone). */
  readonly dead: string[]
}

export interface LocalSubscriber {
  readonly peerId: string
  /** The groups this peer subscribes to the event with. */
  readonly groups: readonly string[]
  readonly load: Candidate['load']
}

/**
 * The groups of `event` known anywhere in the cluster, each with its candidates. A member that left gracefully
 * withdrew its subscriptions; a dead member's groups stay known (so an emit to them fails loudly) until
 * membership drops its tombstone.
 */
export function subscribersOf (members: readonly Member[], event: string, local: LocalSubscriber, loadAt?: (peerId: string) => number | undefined): Map<string, GroupSubscribers> {
  const alive = new Map<string, Candidate[]>()
  const suspect = new Map<string, Candidate[]>()
  const dead = new Map<string, string[]>()
  const add = <T>(m: Map<string, T[]>, group: string, v: T): void => {
    const list = m.get(group)
    if (list === undefined) m.set(group, [v])
    else list.push(v)
  }
  for (const m of members) {
    if (m.self === true || m.peerId === local.peerId || m.state === 'left') continue
    const groups = groupsInRecord(m.meta, event)
    if (groups.length === 0) continue
    for (const g of groups) {
      if (m.state === 'dead') { add(dead, g, m.peerId); continue }
      const c: Candidate = { peerId: m.peerId, load: { inflight: m.load.inflight, latencyMs: m.load.latencyMs, cpu: m.load.cpu, eventLoopDelayMs: m.load.eventLoopDelayMs, at: loadAt?.(m.peerId) } }
      add(m.state === 'alive' ? alive : suspect, g, c)
    }
  }
  const out = new Map<string, GroupSubscribers>()
  const names = new Set([...alive.keys(), ...suspect.keys(), ...dead.keys(), ...local.groups])
  for (const group of names) {
    const a = alive.get(group) ?? []
    const candidates = a.length > 0 ? [...a] : [...(suspect.get(group) ?? [])]
    if (local.groups.includes(group)) candidates.push({ peerId: local.peerId, local: true, load: local.load })
    out.set(group, { group, candidates, dead: dead.get(group) ?? [] })
  }
  return out
}

/** The peers a broadcast of `event` goes to: every alive or suspect member subscribed in any group, and this peer if it subscribes. */
export function broadcastTargets (members: readonly Member[], event: string, local: LocalSubscriber): string[] {
  const out: string[] = []
  for (const m of members) {
    if (m.self === true || m.peerId === local.peerId) continue
    if (m.state !== 'alive' && m.state !== 'suspect') continue
    if (groupsInRecord(m.meta, event).length > 0) out.push(m.peerId)
  }
  if (local.groups.length > 0) out.push(local.peerId)
  return out
}
