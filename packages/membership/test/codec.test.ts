import test from 'ava'
import { decodeDirect, decodeGossip, encode } from '../src/codec.js'
import type { DirectMessage, GossipMessage } from '../src/messages.js'

test('direct and gossip messages round-trip', t => {
  const direct: DirectMessage[] = [
    { t: 'ping', seq: 1 }, { t: 'ping', seq: 2, suspectInc: 7 }, { t: 'ack', seq: 3 }, { t: 'nack', seq: 4 },
    { t: 'ping-req', seq: 5, target: 'B' },
    { t: 'sync', reply: true, entries: [{ id: 'A', state: 'suspect', inc: 3, ver: 9, data: { services: ['x'] } }] }
  ]
  for (const m of direct) t.deepEqual(decodeDirect('c', encode('c', m)), m)
  const gossip: GossipMessage[] = [
    { t: 'alive', id: 'A', inc: 1, ver: 2, data: { addrs: ['/ip4/127.0.0.1/tcp/1'] } },
    { t: 'left', id: 'A', inc: 1 }, { t: 'suspect', id: 'A', inc: 1, from: 'B' }, { t: 'dead', id: 'A', inc: 1, from: 'B' }
  ]
  for (const m of gossip) t.deepEqual(decodeGossip('c', encode('c', m)), m)
})

test('messages of another cluster are dropped', t => {
  t.is(decodeDirect('c', encode('other', { t: 'ack', seq: 1 })), undefined)
  t.is(decodeGossip('c', encode('other', { t: 'left', id: 'A', inc: 1 })), undefined)
})

test('hostile or malformed bytes are dropped, never thrown', t => {
  const bad: Uint8Array[] = [
    new Uint8Array([]), new Uint8Array([0xc1]), new Uint8Array([0xff, 0xff, 0xff]), new TextEncoder().encode('{"c":"c"}'),
    encode('c', { t: 'ping', seq: -1 } as unknown as DirectMessage),
    encode('c', { t: 'ping-req', seq: 1 } as unknown as DirectMessage),
    encode('c', { t: 'unknown', seq: 1 } as unknown as DirectMessage),
    encode('c', { t: 'sync', entries: 'x', reply: true } as unknown as DirectMessage)
  ]
  for (const b of bad) {
    t.notThrows(() => decodeDirect('c', b))
    t.is(decodeDirect('c', b), undefined)
    t.is(decodeGossip('c', b), undefined)
  }
  // a sync keeps its valid entries and drops the others
  const m = decodeDirect('c', encode('c', { t: 'sync', reply: false, entries: [{ id: 'A', state: 'alive', inc: 1, ver: 0 }, { id: '', state: 'x' }] } as unknown as DirectMessage))
  t.deepEqual(m, { t: 'sync', reply: false, entries: [{ id: 'A', state: 'alive', inc: 1, ver: 0, data: undefined }] })
})
