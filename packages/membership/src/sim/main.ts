/**
 * `npm run sim -w @peercall/membership`: runs the simulator's experiments with fixed seeds, prints the figures
 * as tables and writes them to `sim-results.json` (input of `chart.ts`). `--quick` runs shorter experiments.
 */
import { writeFileSync } from 'node:fs'
import { LAN } from '../defaults.js'
import { detection, dissemination, falsePositivesOverSeeds, messagesPerPeriod } from './scenarios.js'

const quick = process.argv.includes('--quick')
const outArg = process.argv.indexOf('--out')
const out = outArg > 0 ? process.argv[outArg + 1] : 'sim-results.json'
const SEED = 42

function table (title: string, rows: Array<Record<string, unknown>>): void {
  console.log(`\n${title}`)
  if (rows.length === 0) return
  const cols = Object.keys(rows[0])
  const fmt = (v: unknown): string => typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v)
  const w = cols.map(c => Math.max(c.length, ...rows.map(r => fmt(r[c]).length)))
  console.log('| ' + cols.map((c, i) => c.padEnd(w[i])).join(' | ') + ' |')
  console.log('|' + w.map(x => '-'.repeat(x + 2)).join('|') + '|')
  for (const r of rows) console.log('| ' + cols.map((c, i) => fmt(r[c]).padStart(w[i])).join(' | ') + ' |')
}

const t0 = Date.now()
const dis = [10, 100, 1000, 5000].map(n => dissemination(n, SEED, 10))
const disLoss = [10, 100, 1000, 5000].map(n => dissemination(n, SEED, 10, 0.1))
table('Dissemination of a new record (gossipsub mesh model, D ~ 6), 10 publishes each', dis.map((d, i) => ({
  N: d.n, 'rounds (max)': d.maxRounds, 'rounds (mean)': d.meanRounds, 'time to all (T)': d.maxPeriods,
  'rounds, 10% loss (max)': disLoss[i].maxRounds, 'time to all, 10% loss (T)': disLoss[i].maxPeriods, 'reached, 10% loss': disLoss[i].reached
})))

const periods = quick ? 50 : 200
const msgs = [4, 16, 100, 1000].map(n => messagesPerPeriod(n, SEED, periods))
const msgsLoss = [4, 16, 100, 1000].map(n => messagesPerPeriod(n, SEED, periods, 0.1))
const msgsStream = [4, 16, 100, 1000].map(n => messagesPerPeriod(n, SEED, periods, 0.1, LAN, 'stream'))
table(`Membership messages sent per peer per period (${periods} periods, LAN profile)`, msgs.map((m, i) => ({
  N: m.n, 'no loss': m.perPeerPerPeriod, '10% loss (lost messages)': msgsLoss[i].perPeerPerPeriod, '10% loss (retransmissions)': msgsStream[i].perPeerPerPeriod
})))

const fpPeriods = quick ? 200 : 1000
const fpN = quick ? 200 : 1000
/** Seeds summed per false-positive row: 1000 periods hold only 100 stalls, and the counts are small. */
const fpSeeds = quick ? 1 : 2
type Transport = 'stream' | 'datagram'
const fpRow = (stall: string, transport: Transport, lg: boolean, atProbe: boolean, seeds: number): ReturnType<typeof falsePositivesOverSeeds> & { stall: string } =>
  ({ stall, ...falsePositivesOverSeeds(fpN, SEED, seeds, fpPeriods, lg, 0.1, LAN, atProbe, transport) })
const fp = [
  ...(['stream', 'datagram'] as const).flatMap(tr => [true, false].map(lg => fpRow('random phase', tr, lg, false, fpSeeds))),
  ...[true, false].map(lg => fpRow('at its own probe', 'datagram', lg, true, 1))
]
/** False positives caused by the stall: suspicions of healthy peers at every observer, and deaths. */
const fps = (r: typeof fp[number]): number => r.falseSuspicionsOfHealthy + r.falseDeaths
table(`False positives: N = ${fpN}, ${fpPeriods} periods, 10% loss of every transmission, peer 0 stalled 2 x probe timeout every 10 T (LAN, T = 1 s)`, fp.map(r => ({
  stall: r.stall,
  'a loss is': r.transport === 'stream' ? 'a retransmission' : 'a lost message',
  seeds: r.seeds,
  lifeguard: r.lifeguard,
  'healthy declared dead': r.falseDeaths,
  'suspect events, healthy subjects': r.falseSuspicionsOfHealthy,
  'accusations by stalled peer': r.accusationsByStalled,
  '... from probes a stall overlapped': r.stallOverlapAccusations,
  '... with the clearing ack unread': r.stallAccusations,
  'accusations (all peers)': r.accusations,
  'suspect events, stalled subject': r.suspicionsOfStalled
})))
for (const [stall, tr] of [['random phase', 'stream'], ['random phase', 'datagram'], ['at its own probe', 'datagram']] as const) {
  const on = fp.find(r => r.stall === stall && r.transport === tr && r.lifeguard)!
  const off = fp.find(r => r.stall === stall && r.transport === tr && !r.lifeguard)!
  console.log(`${stall}, ${tr}: false positives (suspicions of healthy peers + deaths) ${fps(off)} without Lifeguard, ${fps(on)} with: ${(fps(off) / Math.max(1, fps(on))).toFixed(1)}x; ` +
    `the stalled peer's accusations from probes its stalls overlapped ${off.stallOverlapAccusations} -> ${on.stallOverlapAccusations}: ${(off.stallOverlapAccusations / Math.max(1, on.stallOverlapAccusations)).toFixed(1)}x (a zero counted as one)`)
}

const det = [8, 100, 1000].map(n => detection(n, SEED))
table('Crash detection (LAN profile, T = 1 s)', det.map(d => ({
  N: d.n, 'first suspicion (T)': d.firstSuspicionMs / LAN.probeIntervalMs, 'dead everywhere (T)': d.deadEverywhereMs / LAN.probeIntervalMs
})))

writeFileSync(out, JSON.stringify({ seed: SEED, quick, dissemination: dis, disseminationLoss: disLoss, messages: msgs, messagesLoss: msgsLoss, messagesLossStream: msgsStream, falsePositives: fp, detection: det }, null, 2))
console.log(`\nwritten ${out} in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
