import test from 'ava'
import { LAN, resolveConfig } from '../src/defaults.js'
import { Swim } from '../src/swim.js'
import { sharedView } from '../src/member-table.js'
import { mulberry32 } from '../src/sim/rng.js'
import type { Entry } from '../src/messages.js'

const T = LAN.probeIntervalMs
const TO = LAN.probeTimeoutMs

/** A peer that knows `others` as alive at incarnation 0. */
function peer (id: string, others: string[], lifeguard = true): Swim {
  const s = new Swim(id, resolveConfig({ lifeguard }), 0, { random: mulberry32(7) })
  const entries: Entry[] = others.map(o => ({ id: o, state: 'alive', inc: 0, ver: 0 }))
  s.receive(others[0] ?? id, { t: 'sync', entries, reply: false }, 0)
  s.drain()
  return s
}

/** Advance a state machine's clock to `until`, ticking at each deadline. */
function runTo (s: Swim, until: number, from = 0): void {
  let now = from
  for (let i = 0; i < 10_000; i++) {
    const d = Math.max(now, s.nextDeadline())
    if (d > until) break
    now = d
    s.tick(now)
    if (s.nextDeadline() <= now) now += 1
  }
}

/** Tick at `now`, and answer at once every probe that goes out (the peer's health score stays where it is). */
function tickAnswered (s: Swim, now: number): void {
  s.tick(now)
  for (const x of s.outputs.sends) if (x.msg.t === 'ping') s.receive(x.to, { t: 'ack', seq: x.msg.seq }, now)
}

/** Tick until the first probe goes out; returns it and the time it was sent. */
function firstPing (s: Swim): { to: string, seq: number, at: number } {
  const at = s.nextDeadline()
  s.tick(at)
  const ping = s.drain().sends.find(x => x.msg.t === 'ping')
  if (ping === undefined || ping.msg.t !== 'ping') throw new Error('no ping')
  return { to: ping.to, seq: ping.msg.seq, at }
}

test('a direct ack ends the probe: no indirect probe, no suspicion, health improves', t => {
  const s = peer('A', ['B', 'C', 'D', 'E'])
  s.awareness = 2
  const p = firstPing(s)
  s.receive(p.to, { t: 'ack', seq: p.seq }, p.at + 10)
  runTo(s, p.at + T - 1, p.at + 10)
  const out = s.drain()
  t.false(out.sends.some(x => x.msg.t === 'ping-req'))
  t.is(out.broadcasts.length, 0)
  t.deepEqual(out.answeredIndirectly, [], 'a direct answer puts no doubt on the link')
  t.is(s.awareness, 1)
})

test('no ack: k = 3 indirect probes, then suspicion broadcast with the accuser named', t => {
  const s = peer('A', ['B', 'C', 'D', 'E'])
  const p = firstPing(s)
  runTo(s, p.at + T, p.at)
  const out = s.drain()
  const reqs = out.sends.filter(x => x.msg.t === 'ping-req')
  t.true(reqs.length >= 3)
  t.true(reqs.slice(0, 3).every(r => r.to !== p.to && r.to !== 'A'))
  t.true(out.broadcasts.some(b => b.t === 'suspect' && b.id === p.to && b.from === 'A'))
  t.true(out.events.some(e => e.type === 'suspect' && e.id === p.to))
  t.is(s.members.get(p.to)!.state !== 'alive', true)
})

test('a probe that fails after its target refuted, or died and came back, accuses the incarnation it probed: no new suspicion', t => {
  // refuted while the probe was out (it heard of a suspicion elsewhere): the failure is about the old incarnation
  const s = peer('A', ['B', 'C', 'D', 'E'])
  const p = firstPing(s)
  s.receiveGossip(p.to, { t: 'alive', id: p.to, inc: 1, ver: 0 }, p.at + 10)
  runTo(s, p.at + T, p.at + 10)
  const out = s.drain()
  t.true(out.sends.some(x => x.msg.t === 'ping-req'), 'the probe itself still ran to its end')
  t.false(out.broadcasts.some(b => b.t === 'suspect'))
  t.is(s.members.get(p.to)!.state, 'alive')
  t.is(s.stats.failedProbes, 1)
  // declared dead during the probe, then back with a new incarnation (a restart) before the probe ends
  const r = peer('A', ['B', 'C', 'D', 'E'])
  const q = firstPing(r)
  r.receiveGossip('C', { t: 'dead', id: q.to, inc: 0, from: 'C' }, q.at + 5)
  t.is(r.members.get(q.to)!.state, 'dead')
  r.receiveGossip(q.to, { t: 'alive', id: q.to, inc: 7, ver: 0 }, q.at + 20)
  runTo(r, q.at + T, q.at + 20)
  t.false(r.drain().events.some(e => e.type === 'suspect'))
  t.is(r.members.get(q.to)!.state, 'alive')
  t.is(r.members.get(q.to)!.inc, 7)
})

test('a suspect or dead member whose own record arrives at the accused incarnation is told, once per period, and refutes', t => {
  const s = peer('A', ['B', 'C', 'D', 'E'])
  s.receiveGossip('C', { t: 'suspect', id: 'B', inc: 0, from: 'C' }, 0)
  s.drain()
  // B's own record, same incarnation: B has not heard of the accusation
  s.receiveGossip('B', { t: 'alive', id: 'B', inc: 0, ver: 1 }, 10)
  const told = s.drain().sends.filter(x => x.to === 'B' && x.msg.t === 'ping')
  t.is(told.length, 1)
  t.like(told[0].msg, { t: 'ping', suspectInc: 0 })
  s.receiveGossip('B', { t: 'alive', id: 'B', inc: 0, ver: 2 }, 10 + T / 2)
  t.is(s.drain().sends.filter(x => x.to === 'B').length, 0, 'at most once per probe period')
  s.receiveGossip('B', { t: 'alive', id: 'B', inc: 0, ver: 3 }, 10 + T)
  t.is(s.drain().sends.filter(x => x.to === 'B' && x.msg.t === 'ping').length, 1)
  // the subject refutes on that ping
  const b = peer('B', ['A', 'C', 'D', 'E'])
  b.receive('A', told[0].msg, 20)
  t.is(b.incarnation, 1)
  t.true(b.drain().broadcasts.some(x => x.t === 'alive' && x.inc === 1))
  // the refutation clears the suspicion; later records at the new incarnation are not answered
  s.receiveGossip('B', { t: 'alive', id: 'B', inc: 1, ver: 0 }, 30 + 2 * T)
  t.is(s.members.get('B')!.state, 'alive')
  s.receiveGossip('B', { t: 'alive', id: 'B', inc: 1, ver: 1 }, 40 + 4 * T)
  t.is(s.drain().sends.filter(x => x.to === 'B').length, 0)
  // a member held dead is told too (its record proves it runs), and comes back when it refutes
  s.receiveGossip('C', { t: 'dead', id: 'D', inc: 0, from: 'C' }, 50 + 4 * T)
  t.is(s.members.get('D')!.state, 'dead')
  s.drain()
  s.receiveGossip('D', { t: 'alive', id: 'D', inc: 0, ver: 1 }, 60 + 4 * T)
  t.like(s.drain().sends.find(x => x.to === 'D')?.msg, { t: 'ping', suspectInc: 0 })
  s.receiveGossip('D', { t: 'alive', id: 'D', inc: 1, ver: 0 }, 70 + 4 * T)
  t.is(s.members.get('D')!.state, 'alive')
})

test('an indirect ack saves the target, and names it as answering only through others (its direct link is doubted)', t => {
  const s = peer('A', ['B', 'C', 'D', 'E'])
  const p = firstPing(s)
  runTo(s, p.at + TO + 5, p.at)
  const req = s.drain().sends.find(x => x.msg.t === 'ping-req')!
  s.receive(req.to, { t: 'ack', seq: p.seq }, p.at + TO + 10)
  t.deepEqual(s.drain().answeredIndirectly, [p.to])
  runTo(s, p.at + T - 1, p.at + TO + 10)
  const out = s.drain()
  t.false(out.broadcasts.some(b => b.t === 'suspect'))
  t.deepEqual(out.answeredIndirectly, [])
  t.is(s.members.get(p.to)!.state, 'alive')
  // a second copy of the ack (from another intermediary) names nobody again
  s.receive('E', { t: 'ack', seq: p.seq }, p.at + T)
  t.deepEqual(s.drain().answeredIndirectly, [])
})

test('an intermediary relays the ack, or sends a nack after 80% of the probe timeout (Lifeguard only)', t => {
  for (const lifeguard of [true, false]) {
    const m = peer('M', ['A', 'B'], lifeguard)
    m.receive('A', { t: 'ping-req', seq: 41, target: 'B' }, 0)
    const ping = m.drain().sends.find(x => x.to === 'B' && x.msg.t === 'ping')!
    t.truthy(ping)
    if (ping.msg.t !== 'ping') return
    m.receive('B', { t: 'ack', seq: ping.msg.seq }, 5)
    t.deepEqual(m.drain().sends, [{ to: 'A', msg: { t: 'ack', seq: 41 } }])
    m.receive('A', { t: 'ping-req', seq: 42, target: 'B' }, 10)
    m.drain()
    m.tick(10 + 0.8 * TO - 1)
    t.is(m.drain().sends.filter(x => x.msg.t === 'nack').length, 0, 'not before 80% of the probe timeout')
    m.tick(10 + 0.8 * TO)
    const nacks = m.drain().sends.filter(x => x.msg.t === 'nack')
    t.is(nacks.length, lifeguard ? 1 : 0)
  }
})

test('suspicion timeout: starts at the max and falls to the min with independent confirmations (Lifeguard)', t => {
  // N = 10: min = 4 x 1 x T = 4 s, max = 24 s, k = 2
  const others = ['B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J']
  const lg = peer('A', others, true)
  lg.receiveGossip('C', { t: 'suspect', id: 'B', inc: 0, from: 'C' }, 0)
  t.is(lg.members.get('B')!.state, 'suspect')
  tickAnswered(lg, 4000)
  t.is(lg.members.get('B')!.state, 'suspect', 'one accuser: the timeout starts at the max (24 s), not the min')
  lg.receiveGossip('D', { t: 'suspect', id: 'B', inc: 0, from: 'D' }, 5000)
  lg.receiveGossip('D', { t: 'suspect', id: 'B', inc: 0, from: 'D' }, 5001) // the same accuser again: no effect
  // one confirmation of k = 2: 24 s - log(2)/log(3) x 20 s = 11.381 s from the start
  tickAnswered(lg, 11_380)
  t.is(lg.members.get('B')!.state, 'suspect')
  tickAnswered(lg, 11_381)
  t.is(lg.members.get('B')!.state, 'dead', 'the confirmation shortened the timeout')
  t.true(lg.drain().broadcasts.some(b => b.t === 'dead' && b.id === 'B' && b.from === 'A'))

  const lg2 = peer('A', others, true)
  lg2.receiveGossip('C', { t: 'suspect', id: 'B', inc: 0, from: 'C' }, 0)
  lg2.receiveGossip('D', { t: 'suspect', id: 'B', inc: 0, from: 'D' }, 100)
  lg2.receiveGossip('E', { t: 'suspect', id: 'B', inc: 0, from: 'E' }, 200)
  tickAnswered(lg2, 3999)
  t.is(lg2.members.get('B')!.state, 'suspect')
  tickAnswered(lg2, 4000)
  t.is(lg2.members.get('B')!.state, 'dead', 'k confirmations: the min (4 s)')

  const plain = peer('A', others, false)
  plain.receiveGossip('C', { t: 'suspect', id: 'B', inc: 0, from: 'C' }, 0)
  plain.tick(3999)
  t.is(plain.members.get('B')!.state, 'suspect')
  plain.tick(4000)
  t.is(plain.members.get('B')!.state, 'dead', 'plain SWIM: fixed timeout = min')
})

test('a degraded peer gives a suspect more time, up to Lifeguard\'s longest timeout; a healthy one does not', t => {
  // N = 10: min = 4 s, max = 24 s, k = 2. `at` ticks with the health score set to `score` (probes answered)
  const others = ['B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J']
  const at = (s: Swim, now: number, score: number): string => { s.awareness = score; tickAnswered(s, now); return s.members.get('B')!.state }
  const accuse = (s: Swim, score: number, times: number[]): void => {
    times.forEach((now, i) => { s.awareness = score; s.receiveGossip(others[i + 1], { t: 'suspect', id: 'B', inc: 0, from: others[i + 1] }, now) })
  }
  // fully confirmed (the 4 s minimum) at score 7: min(4 s x 8, 24 s) = the 24 s maximum
  const worst = peer('A', others)
  accuse(worst, 7, [0, 100, 200])
  t.is(at(worst, 23_999, 7), 'suspect')
  t.is(at(worst, 24_000, 7), 'dead', 'capped at the longest suspicion timeout')
  // score 1 while confirmed: 8 s; a score that falls later does not bring the deadline forward
  const fell = peer('A', others)
  accuse(fell, 1, [0, 100, 200])
  t.is(at(fell, 5000, 0), 'suspect')
  t.is(at(fell, 7999, 0), 'suspect')
  t.is(at(fell, 8000, 0), 'dead')
  // healthy when confirmed (4 s), degraded when the timer fires (score 2): put off to 12 s
  const rose = peer('A', others)
  accuse(rose, 0, [0, 100, 200])
  t.is(at(rose, 4000, 2), 'suspect', 'a score that rose gives more time')
  t.is(at(rose, 11_999, 2), 'suspect')
  t.is(at(rose, 12_000, 2), 'dead')
  // a healthy peer keeps Lifeguard's timeouts exactly
  const healthy = peer('A', others)
  accuse(healthy, 0, [0, 100, 200])
  t.is(at(healthy, 3999, 0), 'suspect')
  t.is(at(healthy, 4000, 0), 'dead')
  // plain SWIM has no health score: the fixed minimum
  const plain = peer('A', others, false)
  plain.receiveGossip('C', { t: 'suspect', id: 'B', inc: 0, from: 'C' }, 0)
  plain.awareness = 7
  plain.tick(4000)
  t.is(plain.members.get('B')!.state, 'dead')
})

test('an accused peer sends its own record straight to each accuser, at most once per period each, also for a stale accusation', t => {
  const s = peer('A', ['B', 'C', 'D', 'E', 'F'])
  const tells = (): Array<[string, number]> => s.drain().tells.map(x => { if (x.msg.t !== 'alive' || x.msg.id !== 'A') throw new Error('not our record'); return [x.to, x.msg.inc] })
  s.receiveGossip('B', { t: 'suspect', id: 'A', inc: 0, from: 'B' }, 0)
  t.deepEqual(tells(), [['B', 1]], 'a suspicion gossiped by B: refuted, and B told')
  s.receiveGossip('C', { t: 'dead', id: 'A', inc: 1, from: 'C' }, 1)
  t.deepEqual(tells(), [['C', 2]], 'a death gossiped by C')
  s.receive('D', { t: 'ping', seq: 1, suspectInc: 2 }, 2)
  t.deepEqual(tells(), [['D', 3]], 'the buddy system: a ping from D that says we are suspect')
  s.receive('E', { t: 'sync', entries: [{ id: 'A', state: 'suspect', inc: 3, ver: 0 }], reply: false }, 3)
  t.deepEqual(tells(), [['E', 4]], 'a push-pull from E that holds us suspect')
  s.receiveGossip('B', { t: 'suspect', id: 'A', inc: 0, from: 'B' }, 4)
  t.deepEqual(tells(), [], 'B again within the period: not told twice')
  t.is(s.incarnation, 4)
  s.receiveGossip('B', { t: 'suspect', id: 'A', inc: 0, from: 'B' }, 4 + T)
  t.deepEqual(tells(), [['B', 4]], 'a stale accusation: no new incarnation, but the accuser gets the current one')
  s.receive('F', { t: 'ping', seq: 2 }, 5 + T)
  t.deepEqual(tells(), [], 'an ordinary ping accuses no one')
  // an observer that holds A suspect believes the record told straight from A
  const o = peer('B', ['A', 'C'])
  o.receiveGossip('C', { t: 'suspect', id: 'A', inc: 0, from: 'C' }, 0)
  o.receiveGossip('A', { t: 'alive', id: 'A', inc: 4, ver: 0 }, 1)
  t.is(o.members.get('A')!.state, 'alive')
  t.is(o.members.get('A')!.inc, 4)
})

test('refutation: a suspicion or death about self raises the incarnation and re-announces', t => {
  const s = peer('A', ['B', 'C'])
  s.receiveGossip('B', { t: 'suspect', id: 'A', inc: 0, from: 'B' }, 0)
  t.is(s.incarnation, 1)
  t.deepEqual(s.drain().broadcasts.map(b => [b.t, b.inc]), [['alive', 1]])
  t.is(s.awareness, 1, 'refuting counts against our own health (Lifeguard)')
  // an accusation beyond our incarnation is taken at most one above it (clampAccusation): 1 -> 2, refuted at 3
  s.receiveGossip('C', { t: 'dead', id: 'A', inc: 5, from: 'C' }, 1)
  t.is(s.incarnation, 3)
  // buddy system: a ping that says we are suspected also makes us refute
  s.receive('B', { t: 'ping', seq: 9, suspectInc: 3 }, 2)
  t.is(s.incarnation, 4)
  t.true(s.drain().sends.some(x => x.to === 'B' && x.msg.t === 'ack'))
})

test('observers: a refutation (higher incarnation) clears a suspicion; an old one does not', t => {
  const s = peer('A', ['B', 'C', 'D', 'E'])
  s.receiveGossip('C', { t: 'suspect', id: 'B', inc: 0, from: 'C' }, 0)
  s.receiveGossip('B', { t: 'alive', id: 'B', inc: 0, ver: 1 }, 1)
  t.is(s.members.get('B')!.state, 'suspect')
  s.receiveGossip('B', { t: 'alive', id: 'B', inc: 1, ver: 1 }, 2)
  t.is(s.members.get('B')!.state, 'alive')
  s.tick(100_000)
  t.is(s.members.get('B')!.state, 'alive', 'the suspicion timer is gone')
})

test('strict origin: records only from their subject, accusations only from the accuser named', t => {
  const s = peer('A', ['B', 'C'])
  s.receiveGossip('C', { t: 'alive', id: 'B', inc: 9, ver: 0 }, 0)
  t.is(s.members.get('B')!.inc, 0)
  s.receiveGossip('C', { t: 'suspect', id: 'B', inc: 0, from: 'X' }, 0)
  t.is(s.members.get('B')!.state, 'alive')
  s.receiveGossip('C', { t: 'left', id: 'B', inc: 0 }, 0)
  t.is(s.members.get('B')!.state, 'alive')
  s.receiveGossip('C', { t: 'dead', id: 'B', inc: 0, from: 'B' }, 0)
  t.is(s.members.get('B')!.state, 'alive')
})

test('leave: announced, final for that incarnation, tombstone reaped later; a restart with a higher incarnation rejoins', t => {
  const s = peer('A', ['B', 'C'])
  s.receiveGossip('B', { t: 'left', id: 'B', inc: 0 }, 0)
  const ev = s.drain().events
  t.deepEqual(ev, [{ type: 'leave', id: 'B' }])
  s.receiveGossip('C', { t: 'dead', id: 'B', inc: 0, from: 'C' }, 1)
  s.receiveGossip('B', { t: 'alive', id: 'B', inc: 0, ver: 3 }, 1)
  t.is(s.members.get('B')!.state, 'left')
  s.receiveGossip('B', { t: 'alive', id: 'B', inc: 1, ver: 0 }, 2)
  t.is(s.members.get('B')!.state, 'alive')
  t.deepEqual(s.drain().events, [{ type: 'join', id: 'B' }])
  s.receiveGossip('C', { t: 'left', id: 'C', inc: 0 }, 10)
  runTo(s, 10 + LAN.tombstoneMs + 2 * T, 10)
  t.false(s.members.has('C'), 'tombstone reaped')
  const me = new Swim('Z', LAN, 0)
  me.leave()
  t.deepEqual(me.drain().broadcasts, [{ t: 'left', id: 'Z', inc: 0 }])
  me.receive('B', { t: 'ping', seq: 1 }, 1)
  t.is(me.drain().sends.length, 0, 'a peer that left answers nothing')
})

test('push-pull merge: unknown members join; a remote death becomes a suspicion by the sender', t => {
  const s = peer('A', ['B'])
  s.receive('B', {
    t: 'sync',
    reply: true,
    entries: [{ id: 'C', state: 'alive', inc: 2, ver: 1, data: { x: 1 } }, { id: 'D', state: 'dead', inc: 0, ver: 0 }, { id: 'A', state: 'suspect', inc: 0, ver: 0 }]
  }, 0)
  t.is(s.members.get('C')!.state, 'alive')
  t.deepEqual(s.members.get('C')!.data, { x: 1 })
  t.is(s.members.get('D')!.state, 'suspect')
  t.is(s.incarnation, 1, 'refuted what the sender believed about us')
  const out = s.drain()
  t.true(out.sends.some(x => x.to === 'B' && x.msg.t === 'sync' && !x.msg.reply))
})

test('a closed connection triggers a probe at once, even with another probe in flight', t => {
  const s = peer('A', ['B', 'C', 'D'])
  s.probeSoon('C', 0)
  const first = s.drain().sends.find(x => x.msg.t === 'ping')!
  t.is(first.to, 'C')
  s.probeSoon('C', 1)
  t.is(s.drain().sends.length, 0, 'not twice')
  s.probeSoon('D', 1)
  t.is(s.drain().sends.find(x => x.msg.t === 'ping')?.to, 'D')
  s.probeSoon('Z', 1)
  t.is(s.drain().sends.length, 0, 'not a stranger')
})

test('a ping that cannot be delivered: the prober goes indirect at once, an intermediary nacks at once', t => {
  const s = peer('A', ['B', 'C', 'D', 'E'])
  const p = firstPing(s)
  s.sendFailed(p.to, { t: 'ping', seq: p.seq }, p.at + 3)
  const reqs = s.drain().sends.filter(x => x.msg.t === 'ping-req')
  t.is(reqs.length, 3)
  t.is(s.members.get(p.to)!.state, 'alive', 'not a death, not even a suspicion yet')
  const m = peer('M', ['A', 'B'])
  m.receive('A', { t: 'ping-req', seq: 7, target: 'B' }, 0)
  const ping = m.drain().sends.find(x => x.msg.t === 'ping')!
  m.sendFailed('B', ping.msg, 2)
  t.deepEqual(m.drain().sends, [{ to: 'A', msg: { t: 'nack', seq: 7 } }])
})

test('a late probe timer (stalled loop): plain SWIM accuses before reading the queued ack; Lifeguard reads it first', t => {
  for (const lifeguard of [false, true]) {
    const s = peer('A', ['B', 'C', 'D', 'E'], lifeguard)
    const p = firstPing(s)
    // the loop stalls for 2 x probe timeout right after the ping; at its end timers run first, then the
    // queued ack is read
    const end = p.at + 2 * TO
    s.tick(end)
    s.receive(p.to, { t: 'ack', seq: p.seq }, end)
    runTo(s, end + 2, end)
    const accused = s.drain().broadcasts.some(b => b.t === 'suspect' && b.id === p.to)
    t.is(accused, !lifeguard, lifeguard ? 'Lifeguard waits for queued input' : 'plain SWIM accuses')
  }
})

test('an accusation at the largest safe incarnation is clamped: the accused refutes and stays a member', t => {
  const a = peer('A', ['B', 'C'])
  a.receiveGossip('C', { t: 'dead', id: 'A', inc: Number.MAX_SAFE_INTEGER, from: 'C' }, 0)
  t.is(a.incarnation, 2)
  t.true(Number.isSafeInteger(a.incarnation))
  const b = peer('B', ['A', 'C'])
  b.receiveGossip('C', { t: 'dead', id: 'A', inc: Number.MAX_SAFE_INTEGER, from: 'C' }, 0)
  t.is(b.members.get('A')!.inc, 1, 'observers take it at most one above what they know')
  b.receiveGossip('A', { t: 'alive', id: 'A', inc: 2, ver: 1 }, 1)
  t.is(b.members.get('A')!.state, 'alive', 'the refutation beats it')
})

test('push-pull entries about third parties never change what a peer says of itself', t => {
  const a = peer('A', ['B', 'C'])
  const before = a.members.get('B')!
  // C claims B is alive with a higher incarnation and other data: ignored, B is known
  a.receive('C', { t: 'sync', reply: false, entries: [{ id: 'B', state: 'alive', inc: before.inc + 50, ver: 99, data: { services: ['Evil'] } }] }, 0)
  t.is(a.members.get('B')!.inc, before.inc)
  t.notDeepEqual(a.members.get('B')!.data, { services: ['Evil'] })
  // nor make B leave
  a.receive('C', { t: 'sync', reply: false, entries: [{ id: 'B', state: 'left', inc: before.inc + 1, ver: 0, data: undefined }] }, 1)
  t.is(a.members.get('B')!.state, 'alive')
  // but an unknown member is learned, and B's own entry about itself is applied in full
  a.receive('C', { t: 'sync', reply: false, entries: [{ id: 'D', state: 'alive', inc: 3, ver: 1, data: { services: ['X'] } }] }, 2)
  t.is(a.members.get('D')!.state, 'alive')
  a.receive('B', { t: 'sync', reply: false, entries: [{ id: 'B', state: 'alive', inc: before.inc + 1, ver: 2, data: { services: ['Real'] } }] }, 3)
  t.deepEqual(a.members.get('B')!.data, { services: ['Real'] })
  // accusations by a third party still count, as the sender's
  a.receive('C', { t: 'sync', reply: false, entries: [{ id: 'B', state: 'dead', inc: before.inc + 1, ver: 2, data: undefined }] }, 4)
  t.is(a.members.get('B')!.state, 'suspect')
})

test('adopting a shared converged view is the same as one push-pull of it: probe order, members, and what follows', t => {
  const ids = Array.from({ length: 40 }, (_, i) => `p${i}`)
  const records = ids.map(id => Object.freeze({ id, state: 'alive' as const, inc: 0, ver: 0, data: undefined, since: 0 }))
  const view = sharedView(records)
  const bySync = new Swim('p7', resolveConfig({}), 0, { random: mulberry32(11) })
  bySync.receive('p0', { t: 'sync', entries: records.map(({ since, ...e }) => e), reply: false }, 0)
  bySync.drain()
  const byView = new Swim('p7', resolveConfig({}), 0, { random: mulberry32(11) })
  byView.adoptView(view)
  t.deepEqual([...byView.members.values()], [...bySync.members.values()])
  t.is(byView.liveCount(), bySync.liveCount())
  // the same probes in the same order, a failed one included, over two rounds of the probe list
  const pings = (s: Swim): string[] => {
    const seen: string[] = []
    let now = 0
    for (let k = 0; k < 90; k++) {
      now = Math.max(now, s.nextDeadline())
      s.tick(now)
      for (const x of s.drain().sends) {
        seen.push(`${x.to}:${x.msg.t}`)
        if (x.msg.t === 'ping' && x.to !== 'p3') s.receive(x.to, { t: 'ack', seq: x.msg.seq }, now + 1)
      }
    }
    return seen
  }
  t.deepEqual(pings(byView), pings(bySync))
  t.is(byView.members.peek('p3')?.state, bySync.members.peek('p3')?.state)
  t.is(records[3].state, 'alive', 'the shared record is untouched')
  t.throws(() => { byView.adoptView(view) }, { message: /only on a state machine/ })
})
