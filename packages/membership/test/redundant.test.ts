/**
 * Which connections are redundant: beside another open connection to the same peer, without a stream, old enough;
 * the one with the most streams (then the oldest) is kept, and only the peer whose id sorts first decides.
 */
import test from 'ava'
import { redundantConnections } from '../src/redundant.js'
import type { ConnectionView } from '../src/redundant.js'

/** A connection; lists are in libp2p's order, whose first connection to a peer is the one libp2p hands out. */
const conn = (id: string, streams: number, openedAt: number, peer = 'b', status = 'open', limited = false): ConnectionView => ({ id, peer, streams, openedAt, status, limited })
const AGE = 10_000
const NOW = 100_000

test('one connection per peer: nothing to close', t => {
  t.deepEqual(redundantConnections('a', [conn('1', 0, 0), conn('2', 0, 0, 'c')], NOW, AGE), [])
})

test('two connections, one carrying the streams: the other is closed once old enough', t => {
  t.deepEqual(redundantConnections('a', [conn('1', 4, 0), conn('2', 0, 1)], NOW, AGE), ['2'])
  t.deepEqual(redundantConnections('a', [conn('1', 4, 0), conn('2', 0, NOW - AGE + 1)], NOW, AGE), [], 'too young: still setting up')
  t.deepEqual(redundantConnections('a', [conn('1', 4, 0), conn('2', 0, NOW - AGE)], NOW, AGE), ['2'], 'exactly old enough')
})

test('the kept connection is the one with the streams, even when it is the younger', t => {
  t.deepEqual(redundantConnections('a', [conn('2', 3, 50), conn('1', 0, 0)], NOW, AGE), ['1'])
})

test('the connection libp2p hands out for new streams to the peer is never closed, even without a stream', t => {
  t.deepEqual(redundantConnections('a', [conn('2', 0, 0), conn('1', 4, 0)], NOW, AGE), [])
  t.deepEqual(redundantConnections('a', [conn('1', 4, 0), conn('2', 0, 0)], NOW, AGE), ['2'])
  // a limited connection is neither handed out nor closed
  t.deepEqual(redundantConnections('a', [conn('3', 0, 0, 'b', 'open', true), conn('2', 0, 0), conn('1', 4, 0)], NOW, AGE), [])
})

test('a connection with a stream is never closed, whatever its age', t => {
  t.deepEqual(redundantConnections('a', [conn('1', 4, 0), conn('2', 1, 0)], NOW, AGE), [])
})

test('neither has a stream: the oldest is kept (then the smaller id), the rest closed', t => {
  t.deepEqual(redundantConnections('a', [conn('2', 0, 10), conn('1', 0, 20), conn('3', 0, 30)], NOW, AGE).sort(), ['1', '3'])
  t.deepEqual(redundantConnections('a', [conn('x', 0, 10), conn('y', 0, 10)], NOW, AGE), ['y'])
})

test('only the peer whose id sorts first decides: the other leaves the pair alone', t => {
  const pair = [conn('1', 4, 0, 'a'), conn('2', 0, 0, 'a')]
  t.deepEqual(redundantConnections('b', pair, NOW, AGE), [])
  t.deepEqual(redundantConnections('a', [conn('1', 4, 0, 'b'), conn('2', 0, 0, 'b')], NOW, AGE), ['2'])
})

test('connections not open do not count, neither as kept nor as redundant', t => {
  t.deepEqual(redundantConnections('a', [conn('1', 4, 0, 'b', 'closing'), conn('2', 0, 0)], NOW, AGE), [])
  t.deepEqual(redundantConnections('a', [conn('1', 4, 0), conn('2', 0, 0, 'b', 'closed')], NOW, AGE), [])
})

test('each peer on its own', t => {
  const conns = [conn('1', 2, 0, 'b'), conn('2', 0, 0, 'b'), conn('4', 1, 5, 'c'), conn('3', 0, 0, 'c'), conn('5', 0, 0, 'd')]
  t.deepEqual(redundantConnections('a', conns, NOW, AGE).sort(), ['2', '3'])
})
