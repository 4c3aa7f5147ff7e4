/** The simulator's targets, with fixed seeds (deterministic). */
import test from 'ava'
import { LAN } from '../../src/defaults.js'
import { detection, dissemination, falsePositives, messagesPerPeriod } from '../../src/sim/scenarios.js'

/** Let the worker report finished tests before the next long synchronous run (ava's timeout counts inactivity). */
const turn = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

const SEED = 42

test.serial('dissemination: rounds grow as O(log N) for N = 10, 100, 1000, 5000, and every peer is reached', async t => {
  await turn()
  const rows = [10, 100, 1000, 5000].map(n => dissemination(n, SEED, 5))
  for (const r of rows) {
    const bound = Math.ceil(Math.log(r.n) / Math.log(5)) + 3 // mesh degree ~6: log base ~5, plus slack
    t.true(r.maxRounds <= bound, `N = ${r.n}: ${r.maxRounds} rounds > ${bound}`)
    t.is(r.reached, 1)
  }
  // 500x more peers cost only a few more rounds
  t.true(rows[3].maxRounds - rows[0].maxRounds <= 6)
  t.log(rows.map(r => `N=${r.n}: ${r.maxRounds}`).join(', '))
})

test.serial('dissemination under 10% loss still reaches every peer (lazy gossip repairs)', async t => {
  await turn()
  for (const n of [100, 1000]) t.is(dissemination(n, SEED, 5, 0.1).reached, 1)
})

test.serial('messages per peer per period are flat in N: N = 16 at most 1.2x N = 4, and so is N = 1000', async t => {
  await turn()
  const m4 = messagesPerPeriod(4, SEED, 100).perPeerPerPeriod
  const m16 = messagesPerPeriod(16, SEED, 100).perPeerPerPeriod
  const m1000 = messagesPerPeriod(1000, SEED, 20).perPeerPerPeriod
  t.log({ m4, m16, m1000 })
  t.true(m16 <= 1.2 * m4)
  t.true(m1000 <= 1.2 * m4)
  t.true(m4 > 1.5, 'a probe and an ack per period at least')
})

test.serial('under 10% loss as retransmission (TCP, what the adapter runs on) messages per peer per period stay flat in N', async t => {
  await turn()
  const m4 = messagesPerPeriod(4, SEED, 100, 0.1, LAN, 'stream').perPeerPerPeriod
  const m16 = messagesPerPeriod(16, SEED, 100, 0.1, LAN, 'stream').perPeerPerPeriod
  const m1000 = messagesPerPeriod(1000, SEED, 20, 0.1, LAN, 'stream').perPeerPerPeriod
  t.log({ m4, m16, m1000 })
  t.true(m16 <= 1.2 * m4)
  t.true(m1000 <= 1.2 * m4)
})

test.serial('a crashed peer is suspected and then dead everywhere (N = 100, LAN profile)', async t => {
  await turn()
  const r = detection(100, SEED)
  t.log(r)
  t.true(r.firstSuspicionMs <= 5 * LAN.probeIntervalMs)
  // suspicion timeout at N = 100 is 8 s minimum
  t.true(r.deadEverywhereMs >= 8000 && r.deadEverywhereMs <= 8000 + 8 * LAN.probeIntervalMs)
})

test.serial('the simulator is deterministic: the same seed gives the same run', async t => {
  await turn()
  const a = falsePositives(50, 7, 100, true)
  const b = falsePositives(50, 7, 100, true)
  t.deepEqual(a, b)
  const c = falsePositives(50, 8, 100, true)
  t.notDeepEqual(a, c)
})
