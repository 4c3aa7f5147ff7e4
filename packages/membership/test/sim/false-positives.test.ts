/**
 * The false-positive targets in the simulator, with fixed seeds (deterministic): 10% loss and one peer
 * whose event loop stalls for 2x the probe timeout every 10 T.
 */
import test from 'ava'
import { LAN } from '../../src/defaults.js'
import { falsePositives } from '../../src/sim/scenarios.js'

const SEED = 42

/** Let the worker report finished tests before the next long synchronous run (ava's timeout counts inactivity). */
const turn = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

test.serial('10% loss, one peer stalled 2x the probe timeout every 10T: no healthy peer declared dead in 1000 periods (N = 200)', async t => {
  await turn()
  const r = falsePositives(200, SEED, 1000, true)
  t.log(r)
  t.is(r.falseDeaths, 0)
  t.is(r.stallAccusations, 0)
  t.true(r.accusations > 0, 'the loss does cause (refuted) suspicions: the run is not trivially quiet')
})

test.serial('the same at N = 1000 over 50 periods', async t => {
  await turn()
  const r = falsePositives(1000, SEED, 50, true)
  t.is(r.falseDeaths, 0)
})

test.serial('Lifeguard cuts the stalled peer\'s false accusations >= 10x when its stalls catch its own probes', async t => {
  await turn()
  const lg = falsePositives(200, SEED, 1000, true, 0.1, LAN, true)
  const plain = falsePositives(200, SEED, 1000, false, 0.1, LAN, true)
  t.log({ lifeguard: lg.accusationsByStalled, plain: plain.accusationsByStalled, stallCausedPlain: plain.stallAccusations })
  t.true(plain.accusationsByStalled >= 10 * Math.max(1, lg.accusationsByStalled))
  t.is(lg.stallAccusations, 0)
  t.true(plain.stallAccusations > 0)
  t.is(lg.falseDeaths, 0)
})

test.serial('Lifeguard cuts false positives >= 10x with stalls at random points, on streams (a loss is a retransmission, as under libp2p)', async t => {
  await turn()
  const lg = falsePositives(200, SEED, 1000, true, 0.1, LAN, false, 'stream')
  const plain = falsePositives(200, SEED, 1000, false, 0.1, LAN, false, 'stream')
  t.log({ lifeguard: lg.falseSuspicionsOfHealthy, plain: plain.falseSuspicionsOfHealthy, byStalledPlain: plain.accusationsByStalled })
  // every false suspicion here comes from the stalled peer: it accuses healthy peers whose answers sit unread
  t.true(plain.accusationsByStalled > 0 && plain.falseSuspicionsOfHealthy > 0, 'plain SWIM does make false accusations in this run')
  t.true(plain.falseSuspicionsOfHealthy + plain.falseDeaths >= 10 * Math.max(1, lg.falseSuspicionsOfHealthy + lg.falseDeaths))
  t.is(lg.falseDeaths, 0)
  t.is(plain.falseDeaths, 0, 'the record refresh repairs missed refutations in both')
})

test.serial('with datagram loss, Lifeguard removes the accusations a stall causes; what remains matches loss alone', async t => {
  await turn()
  const lg = falsePositives(200, SEED, 1000, true, 0.1, LAN, false, 'datagram')
  const plain = falsePositives(200, SEED, 1000, false, 0.1, LAN, false, 'datagram')
  t.log({ lifeguard: lg.stallOverlapAccusations, plain: plain.stallOverlapAccusations })
  t.true(plain.stallOverlapAccusations > lg.stallOverlapAccusations)
  t.is(lg.stallAccusations, 0)
  t.is(lg.falseDeaths, 0)
})
