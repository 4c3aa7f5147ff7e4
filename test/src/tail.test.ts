/**
 * The tail on real peers (docs/balancing.md, "The tail on real peers"): in-process peers on 127.0.0.1 host
 * `Who.work` (idempotent), one of them 10x slower than the others; a client calls it with 16 in flight, routed by
 * p2c and by round-robin, and a cluster of healthy peers gives the all-healthy p99.
 *
 * Noise from the rest of the machine only ever adds latency, and a loaded 2-core machine adds a lot of it in
 * stretches (a p99 of 300 ms for 20 ms handlers was seen at a load average of 16). So the three runs are
 * interleaved over five trials and each is judged by its least p99: the trial the machine disturbed least.
 * A balancer that sends calls to the slow peer without rescuing them has that peer's latency in its p99 in every
 * trial, and fails.
 */
import test from 'ava'
import { hashPasses, startTailCluster, tailTrials } from './helpers/tail-scenario.js'
import type { TailRun, TailTrials } from './helpers/tail-scenario.js'
import type { ExecutionContext } from 'ava'
import type { Balancer } from '@peercall/balancer'

const TRIALS = 5
/**
 * 20 ms, one peer 200 ms: 4 ms / 40 ms needs 3,200 calls a second, about 0.6 of a core in this process,
 * which a machine loaded by other work does not give it; at 20 ms the test needs a sixth of that, and a stall of a
 * few ms is small against the latencies measured.
 */
const SCALE = { fastMs: 20, slowMs: 200 }

const least = (rs: TailRun[]): number => Math.min(...rs.filter(r => r.valid).map(r => r.p99))
const show = (t: ExecutionContext, what: string, r: TailRun): void => {
  t.log(`${what}: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(0)} ms, attempts at the slow peer ${(100 * r.slowShare).toFixed(2)}%, answers from it ${(100 * r.slowAnswers).toFixed(2)}%, hedges ${r.hedges}`)
}

function judge (t: ExecutionContext, r: TailTrials): void {
  const p2c = least(r.p2c)
  const rr = least(r.roundRobin)
  const healthy = least(r.healthy)
  for (const rs of [r.p2c, r.roundRobin, r.healthy]) t.true(rs.some(x => x.valid), 'a valid run of each (no server suspected)')
  t.log(`${r.peers} peers, least p99 of ${TRIALS}: p2c ${p2c.toFixed(1)} ms, round-robin ${rr.toFixed(1)} ms, all healthy ${healthy.toFixed(1)} ms: ${(p2c / rr).toFixed(2)}x round-robin, ${(p2c / healthy).toFixed(2)}x healthy`)
  // a failed call is left out of the p99; p2c's must all succeed (a baseline's failures only lower its p99,
  // which makes the assertions harder to meet, not easier)
  for (const x of r.p2c) t.is(x.failures, 0, 'p2c calls failed')
  t.true(p2c <= 0.3 * rr, `p2c p99 ${p2c.toFixed(1)} ms > 0.3 x round-robin's ${rr.toFixed(1)} ms`)
  t.true(p2c <= 2 * healthy, `p2c p99 ${p2c.toFixed(1)} ms > 2 x the all-healthy ${healthy.toFixed(1)} ms`)
}

for (const peers of [4, 8]) {
  test.serial(`${peers} peers, one 10x slower: p2c p99 <= 0.3x round-robin's and <= 2x the all-healthy p99`, async t => {
    t.timeout(480_000)
    const r = await tailTrials(peers, TRIALS, SCALE, (what, run) => { show(t, what, run) })
    judge(t, r)
  })
}

test.serial('hash routing stays put: sequential calls over 2,000 keys, twice, with a stable membership: no key moves, none leaves its owner, a slow owner keeps its keys', async t => {
  t.timeout(120_000)
  const c = await startTailCluster(4, { fastMs: 1, slowMs: 10 })
  try {
    const client = c.clients[0]
    // teach the client that the slow peer is slow (p2c avoids it from then on; hash routing must not)
    for (let i = 0; i < 400; i++) await client.call('Who', 'work', [], { timeoutMs: 5000 })
    const balancer = (client as unknown as { balancer: Balancer }).balancer
    const hedgesBefore = client.stats().hedges
    const r = await hashPasses(c, client, 2000)
    t.log(`keys per peer: ${[...r.perPeer].map(([p, n]) => `${p === c.slow ? 'slow ' : ''}${n}`).join(', ')}; moved ${r.moved}, off owner ${r.offOwner}, reroutes ${JSON.stringify(balancer.hashReroutes())}`)
    t.is(r.failures, 0)
    t.is(r.moved, 0)
    t.is(r.offOwner, 0)
    t.deepEqual(balancer.hashReroutes(), { excluded: 0, ejected: 0, 'over-capacity': 0 })
    t.true((r.perPeer.get(c.slow!) ?? 0) > 300, 'the slow peer answers for its own keys')
    t.is(client.stats().hedges - hedgesBefore, 0, 'keyed hash calls are not hedged')
  } finally {
    await c.stop()
  }
})
