/**
 * The cluster as the router sees it, on a fake membership: candidate lists and idempotency are cached, and every
 * membership event or local change (invalidate) is seen by the next look-up.
 */
import test from 'ava'
import { ClusterView } from '../../src/client/cluster.js'
import type { Member, Membership } from '@peercall/membership'

function fake (): { membership: Membership, members: Member[], emit: (type: string, m: Member) => void } {
  const members: Member[] = []
  const target = new EventTarget() as unknown as Membership & EventTarget
  ;(target as unknown as { members: () => Member[] }).members = () => members
  return { membership: target, members, emit: (type, m) => { target.dispatchEvent(new CustomEvent(type, { detail: m })) } }
}

const member = (peerId: string, services: string[], meta: Record<string, string> = {}, state = 'alive'): Member =>
  ({ peerId, self: false, state, services, meta, load: { inflight: 0, latencyMs: 0 } }) as unknown as Member

test('candidates: the same list until a membership event, then the new one; suspects only when asked or alone', t => {
  const { membership, members, emit } = fake()
  let hostsEcho = false
  const view = new ClusterView(membership, { peerId: 'me', hosts: s => hostsEcho && s === 'Echo', load: () => ({ inflight: 0, latencyMs: 0 }), idempotent: () => undefined })
  members.push(member('a', ['Echo']))
  const first = view.candidates('Echo')
  t.deepEqual(first.map(c => c.peerId), ['a'])
  t.is(view.candidates('Echo'), first, 'cached')
  t.deepEqual(view.candidates('Other').map(c => c.peerId), [])
  t.is(view.candidates('Echo'), first, 'still cached after a look-up of another service')
  const b = member('b', ['Echo'], {}, 'suspect')
  members.push(b)
  emit('member:join', b)
  t.deepEqual(view.candidates('Echo').map(c => c.peerId), ['a'], 'a suspect is left out while a live host exists')
  t.deepEqual(view.candidates('Echo', true).map(c => c.peerId), ['a', 'b'])
  t.deepEqual(view.candidates('Echo').map(c => c.peerId), ['a'])
  members.splice(0, 1)
  emit('member:dead', members[0])
  t.deepEqual(view.candidates('Echo').map(c => c.peerId), ['b'], 'the suspect, when no live host is left')
  hostsEcho = true
  view.invalidate()
  t.deepEqual(view.candidates('Echo').map(c => c.peerId), ['b', 'me'])
})

test('idempotent: this peer\'s own declaration first, else any host\'s, until something changes', t => {
  const { membership, members, emit } = fake()
  let local: boolean | undefined
  const view = new ClusterView(membership, { peerId: 'me', hosts: () => false, load: () => ({ inflight: 0, latencyMs: 0 }), idempotent: () => local })
  members.push(member('a', ['Kv'], { 'idem:Kv': 'get,list' }))
  t.true(view.idempotent('Kv', 'get'))
  t.false(view.idempotent('Kv', 'put'))
  local = false
  t.true(view.idempotent('Kv', 'get'), 'cached until invalidated')
  view.invalidate()
  t.false(view.idempotent('Kv', 'get'), 'this peer hosts Kv and says get is not idempotent')
  local = undefined
  members[0] = member('a', ['Kv'], { 'idem:Kv': 'put' })
  emit('member:update', members[0])
  t.true(view.idempotent('Kv', 'put'))
  t.false(view.idempotent('Kv', 'get'))
})
