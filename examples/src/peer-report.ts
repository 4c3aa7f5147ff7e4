/**
 * What the example peer tells its operator after its `listening` line, one JSON line on stdout each:
 * `{"event":"joined","cluster","members","alive"}` once it sees another live member (at once for a peer started
 * with no bootstrap address: it is the cluster's first member), then `{"event":"member","change":"join"|"suspect"|
 * "dead"|"leave","peerId","incarnation","services"}` per membership change (record refreshes are not changes).
 */
import type { Member, PeercallNode } from '@peercall/core'

const CHANGES = ['member:join', 'member:suspect', 'member:dead', 'member:leave'] as const

/** Starts reporting to `out`; returns the function that stops it. */
export function reportMembership (node: PeercallNode, cluster: string, first: boolean, out: (line: string) => void): () => void {
  let joined = false
  const alive = (): number => node.members().filter(m => m.state === 'alive').length
  const join = (): void => {
    if (joined) return
    joined = true
    out(JSON.stringify({ event: 'joined', cluster, members: node.members().length, alive: alive() }))
  }
  const onChange = (e: Event): void => {
    const m = (e as CustomEvent<Member>).detail
    if (e.type === 'member:join' && m.state === 'alive') join()
    out(JSON.stringify({ event: 'member', change: e.type.slice('member:'.length), peerId: m.peerId, incarnation: m.incarnation, services: m.services }))
  }
  for (const type of CHANGES) node.addEventListener(type, onChange)
  if (first || node.members().some(m => !m.self && m.state === 'alive')) join()
  return () => { for (const type of CHANGES) node.removeEventListener(type, onChange) }
}
