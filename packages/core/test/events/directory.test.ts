import test from 'ava'
import { broadcastTargets, subscribersOf } from '../../src/events/directory.js'
import type { Member } from '@peercall/membership'

function member (peerId: string, state: Member['state'], ev: Record<string, string>, self = false): Member {
  const meta: Record<string, string> = {}
  for (const [k, v] of Object.entries(ev)) meta[`ev:${k}`] = v
  return { peerId, addrs: [], state, incarnation: 0, services: [], load: { inflight: 1, latencyMs: 2 }, meta, self } as unknown as Member
}

const local = (groups: string[]) => ({ peerId: 'me', groups, load: { inflight: 0, latencyMs: 0 } })

test('groups come from alive members and this peer; suspects only when a group has no alive member', t => {
  const members = [
    member('me', 'alive', { e: 'ignored-self-record' }, true),
    member('a', 'alive', { e: 'billing,mail' }),
    member('b', 'suspect', { e: 'billing' }),
    member('c', 'suspect', { e: 'audit' }),
    member('d', 'dead', { e: 'ledger' }),
    member('l', 'left', { e: 'gone' }),
    member('x', 'alive', { other: 'billing' })
  ]
  const subs = subscribersOf(members, 'e', local(['mail']))
  t.deepEqual([...subs.keys()].sort(), ['audit', 'billing', 'ledger', 'mail'])
  t.deepEqual(subs.get('billing')?.candidates.map(c => c.peerId), ['a'])
  t.deepEqual(subs.get('mail')?.candidates.map(c => c.peerId), ['a', 'me'])
  t.true(subs.get('mail')?.candidates.find(c => c.peerId === 'me')?.local)
  t.deepEqual(subs.get('audit')?.candidates.map(c => c.peerId), ['c'])
  t.deepEqual(subs.get('ledger')?.candidates, [])
  t.deepEqual(subs.get('ledger')?.dead, ['d'])
  t.is(subs.get('billing')?.candidates[0].load?.inflight, 1)
})

test('a broadcast goes to every alive or suspect subscriber and to this peer if it subscribes', t => {
  const members = [
    member('a', 'alive', { e: 'g' }),
    member('b', 'suspect', { e: 'h' }),
    member('d', 'dead', { e: 'g' }),
    member('x', 'alive', {})
  ]
  t.deepEqual(broadcastTargets(members, 'e', local([])), ['a', 'b'])
  t.deepEqual(broadcastTargets(members, 'e', local(['g'])), ['a', 'b', 'me'])
  t.deepEqual(broadcastTargets(members, 'none', local([])), [])
})
