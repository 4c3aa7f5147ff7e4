/**
 * The partition suite (`npm run test:partition`): real libp2p peers on 127.0.0.1 in this process, partitions
 * injected through the connection gater (helpers/net.ts), at the DEFAULT membership settings (lan profile,
 * probe period 1 s). For each fault: the other side sees it, idempotent calls on the reachable side keep
 * succeeding, and after the heal one view and full routing return within 30 s.
 */
import test from 'ava'
import { flapScenario, HEAL_BOUND_MS, isolateScenario, oneWayScenario, splitScenario } from './helpers/partition-scenarios.js'
import type { ScenarioResult } from './helpers/partition-scenarios.js'
import type { ExecutionContext } from 'ava'

function show (t: ExecutionContext, r: ScenarioResult): void {
  t.log(`${r.fault} [${r.profile}]: times ${JSON.stringify(Object.fromEntries(Object.entries(r.times).map(([k, v]) => [k, Math.round(v)])))} facts ${JSON.stringify(r.facts)}`)
  for (const p of r.phases) t.log(`  ${p.phase}: ${p.attempted} calls, ${p.failed} failed ${JSON.stringify(p.errors)}, ${p.retried} retried, ${p.hedged} hedged, p50 ${p.p50.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms`)
}

function noFailures (t: ExecutionContext, r: ScenarioResult): void {
  for (const p of r.phases) {
    t.true(p.attempted > 0, `calls in phase ${p.phase}`)
    t.is(p.failed, 0, `failed calls in phase ${p.phase}: ${JSON.stringify(p.errors)} ${p.messages.join(' | ')}`)
  }
}

test.serial('isolate one peer: seen dead by all, calls keep succeeding, one view within 30 s of the heal', async t => {
  t.timeout(120_000)
  const r = await isolateScenario('lan')
  show(t, r)
  noFailures(t, r)
  t.true(r.times.deadMs > 0 && r.times.otherSideMs > 0)
  t.true((r.facts.refusedConnections as number) > 0, 'the gater refused connections')
  t.is(r.facts.sentToVictimAfterDead, 0, 'no new call to the peer once it is dead')
  t.true(r.times.healViewMs <= HEAL_BOUND_MS && r.times.healRoutingMs <= HEAL_BOUND_MS)
  t.true((r.facts.victimServedAfterHeal as number) > 0)
})

test.serial('split 8 peers 5/3: each side sees the other dead and stays whole; calls succeed on both sides; one view after the heal', async t => {
  t.timeout(120_000)
  const r = await splitScenario('lan')
  show(t, r)
  noFailures(t, r)
  t.true(r.facts.sidesStayedWhole as boolean)
  t.true(r.times.healViewMs <= HEAL_BOUND_MS && r.times.healRoutingMs <= HEAL_BOUND_MS)
})

test.serial('one-way (a reaches the others, they cannot connect to a): calls succeed, one view while the rule holds and after the heal', async t => {
  t.timeout(120_000)
  const r = await oneWayScenario('lan')
  show(t, r)
  noFailures(t, r)
  t.true((r.facts.refusedConnections as number) > 0, 'the gater refused connections to a')
  t.true(r.facts.connectionsToAOpenedByA as boolean, 'every connection to a was opened by a')
  t.true(r.times.healViewMs <= HEAL_BOUND_MS && r.times.healRoutingMs <= HEAL_BOUND_MS)
})

test.serial('flapping links: calls keep succeeding, the flaps are seen, one view within 30 s of the last heal', async t => {
  t.timeout(120_000)
  const r = await flapScenario('lan')
  show(t, r)
  noFailures(t, r)
  t.not(r.facts.seen, 'none')
  t.true(r.times.healViewMs <= HEAL_BOUND_MS && r.times.healRoutingMs <= HEAL_BOUND_MS)
})
