/**
 * `npm run sim -w @peercall/membership`: runs the simulator's experiments with fixed seeds, prints the figures
 * as tables and writes them to `sim-results.json` (input of `chart.ts`). `--quick` runs shorter experiments.
 */
import { writeFileSync } from 'node:fs'
import { LAN } from '../defaults.js'
import { detection, dissemination, falsePositives, messagesPerPeriod } from './scenarios.js'

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
table(`Membership messages sent per peer per period (${periods} periods, LAN profile)`, msgs.map((m, i) => ({
  N: m.n, 'no loss': m.perPeerPerPeriod, '10% loss': msgsLoss[i].perPeerPerPeriod
})))

const fpPeriods = quick ? 200 : 1000
const fpN = quick ? 200 : 1000
const fp = [
  ...[true, false].map(lg => ({ stall: 'random phase', ...falsePositives(fpN, SEED, fpPeriods, lg) })),
  ...[true, false].map(lg => ({ stall: 'at its own probe', ...falsePositives(fpN, SEED, fpPeriods, lg, 0.1, LAN, true) }))
]
table(`False positives: N = ${fpN}, ${fpPeriods} periods, 10% loss, peer 0 stalled 2 x probe timeout every 10 T (LAN, T = 1 s)`, fp.map(r => ({
  stall: r.stall,
  lifeguard: r.lifeguard,
  'healthy declared dead': r.falseDeaths,
  'accusations by stalled peer': r.accusationsByStalled,
  '... with the clearing ack unread': r.stallAccusations,
  'accusations (all peers)': r.accusations,
  'suspect events, healthy subjects': r.falseSuspicionsOfHealthy,
  'suspect events, stalled subject': r.suspicionsOfStalled
})))

const det = [8, 100, 1000].map(n => detection(n, SEED))
table('Crash detection (LAN profile, T = 1 s)', det.map(d => ({
  N: d.n, 'first suspicion (T)': d.firstSuspicionMs / LAN.probeIntervalMs, 'dead everywhere (T)': d.deadEverywhereMs / LAN.probeIntervalMs
})))

writeFileSync(out, JSON.stringify({ seed: SEED, quick, dissemination: dis, disseminationLoss: disLoss, messages: msgs, messagesLoss: msgsLoss, falsePositives: fp, detection: det }, null, 2))
console.log(`\nwritten ${out} in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
