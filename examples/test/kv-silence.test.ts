/**
 * Which peers have left a request unanswered for too long: silent from the bound after the first unanswered
 * request, heard again on any answer or request from them.
 */
import test from 'ava'
import { MAX_SILENT_PEERS, Silence } from '../src/kv-silence.js'

test('a peer is silent once a request to it has waited the bound with no answer since', t => {
  const s = new Silence(700)
  t.false(s.silent('p', 0), 'never asked: not silent')
  s.sent('p', 1000)
  t.false(s.silent('p', 1699))
  t.true(s.silent('p', 1700))
  // later requests do not move the wait's start: the peer has been silent since the first
  s.sent('p', 1600)
  t.true(s.silent('p', 1700))
})

test('an answer, or a request from the peer, clears it; the next unanswered request starts a new wait', t => {
  const s = new Silence(700)
  s.sent('p', 0)
  t.true(s.silent('p', 800))
  s.heard('p')
  t.false(s.silent('p', 800))
  s.sent('p', 900)
  t.false(s.silent('p', 1500))
  t.true(s.silent('p', 1600))
  t.false(s.silent('q', 1600), 'other peers are apart')
})

test('at most MAX_SILENT_PEERS are tracked: the oldest entry goes', t => {
  const s = new Silence(10)
  for (let i = 0; i <= MAX_SILENT_PEERS; i++) s.sent(`p${i}`, 0)
  t.false(s.silent('p0', 100), 'the oldest was dropped')
  t.true(s.silent('p1', 100))
  t.true(s.silent(`p${MAX_SILENT_PEERS}`, 100))
})
