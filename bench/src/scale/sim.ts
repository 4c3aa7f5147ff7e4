/**
 * `npm run bench:scale` (part 2): the membership simulator (`packages/membership/src/sim`, virtual time, LAN
 * profile T = 1 s, gossipsub mesh model D ~ 6) at N = 100, 1000, 5000, 10000: dissemination rounds, crash
 * detection, false positives, messages per peer per period; with SWIM's and memberlist's expectations beside
 * them. Writes `docs/scale-sim.json`. `--quick`: N = 100, 1000 and fewer periods.
 *
 * A converged cluster starts from one member view shared by every simulated peer, each copying only the records it
 * changes (`MemberTable`): N = 10,000 takes about 1 GB to run without faults and 3 GB through a crash, where a
 * full member table per peer took 5 GB at 5000 and would have taken 20 GB at 10,000.
 *
 * Message loss is run both ways the simulator models it: lost for good (UDP-like 'datagram', SWIM's and
 * memberlist's assumption) and as a TCP retransmission delay ('stream', what peercall's libp2p streams do). Under
 * datagram loss every lost probe can start a suspicion that is flooded to all N peers, so those runs stop at
 * FP_MAX_N (`--fp-max`); the stream runs go to every N.
 */
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { LAN } from '@peercall/membership'
import { SIM_SIZES, SIM_SIZES_QUICK } from './constants.js'
import { expectedDeadEverywhere, floodRounds, memberlistSuspicion, SWIM_FIRST_DETECTION_PERIODS } from './expectations.js'
import { loadScenarios } from './scenarios.js'
import { median, round } from './stats.js'
import type { SimRow } from './sim-types.js'

/** Largest N run with a converged cluster (messages, detection, false positives); `--full-state-max` changes it. */
const FULL_STATE_MAX_N = 10000
/** Seed of every experiment (the membership package's `npm run sim` uses 42 too). */
const SEED = 42
/** Crash-detection runs per N below 5000 (seeds SEED, SEED + 1, ...); one at 5000 (about 2 minutes). */
const DETECTION_SEEDS = 3
/** Publishes per dissemination experiment (origins spread over the peers). */
const PUBLISHES = 10
/** Message loss of the lossy runs (the membership package's scenarios use 10%). */
const LOSS = 0.1
/** Probe periods of the message-count run: more at small N, fewer where one period costs more. */
const MESSAGE_PERIODS = (n: number): number => n >= 5000 ? 10 : n >= 1000 ? 30 : 100
/** Probe periods of the false-positive run (10% loss, one peer's event loop stalled 1 s every 10 T). */
const FP_PERIODS = (n: number): number => n >= 5000 ? 20 : n >= 1000 ? 100 : 300
/** Probe periods of the false-positive run with stream loss (above --fp-max): 100 T at 10,000 took 3-4 min here. */
const FP_PERIODS_STREAM = 100
/** Probe periods of the message-count run under loss on streams (cheap: a loss is only a delay). */
const STREAM_MESSAGE_PERIODS = (n: number): number => n >= 5000 ? 10 : n >= 1000 ? 30 : 100

const quick = process.argv.includes('--quick')
const outArg = process.argv.indexOf('--out')
const out = outArg > 0 ? process.argv[outArg + 1] : 'docs/scale-sim.json'
const fsArg = process.argv.indexOf('--full-state-max')
const fullStateMax = fsArg > 0 ? Number(process.argv[fsArg + 1]) : FULL_STATE_MAX_N
const sizesArg = process.argv.indexOf('--sizes')
const sizes = sizesArg > 0 ? process.argv[sizesArg + 1].split(',').map(Number) : [...(quick ? SIM_SIZES_QUICK : SIM_SIZES)]
/**
 * Runs with 10% datagram loss (false positives, messages) go up to this N (`--fp-max`): a cluster of 5000 floods
 * tens of suspicions and refutations per period to every peer; 20 periods at 5000 had not finished after 6 minutes
 * here. Above it, the false-positive run uses stream loss.
 */
const FP_MAX_N = 1000
const fpArg = process.argv.indexOf('--fp-max')
const fpMax = fpArg > 0 ? Number(process.argv[fpArg + 1]) : FP_MAX_N
const scale = quick ? 0.3 : 1

const sc = await loadScenarios()
const t0 = Date.now()
const log = (msg: string): void => { console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}`) }

const rows: SimRow[] = []
const save = (): void => {
  writeFileSync(out, JSON.stringify({ quick, seed: SEED, loss: LOSS, probePeriodMs: LAN.probeIntervalMs, fullStateMaxN: fullStateMax, loadavg1: round(loadavg()[0]), rows }, null, 2) + '\n')
}
for (const n of sizes) {
  const tn = Date.now()
  const dis = sc.dissemination(n, SEED, PUBLISHES)
  const disLoss = sc.dissemination(n, SEED, PUBLISHES, LOSS)
  const s = memberlistSuspicion(n)
  const exp = expectedDeadEverywhere(n)
  const row: SimRow = {
    n,
    roundsMax: dis.maxRounds,
    roundsMean: round(dis.meanRounds),
    roundsMaxLoss: disLoss.maxRounds,
    reachedLoss: disLoss.reached,
    floodRoundsExpected: round(floodRounds(n)),
    timeToAllMs: round(dis.maxPeriods * LAN.probeIntervalMs, 1),
    swimFirstDetectionT: round(SWIM_FIRST_DETECTION_PERIODS),
    memberlistSuspicionMinT: s.minMs / LAN.probeIntervalMs,
    memberlistSuspicionMaxT: s.maxMs / LAN.probeIntervalMs,
    expectedDeadMinT: round(exp.minT),
    expectedDeadMaxT: round(exp.maxT),
    seconds: 0
  }
  rows.push(row)
  log(`N = ${n}: dissemination ${dis.maxRounds} rounds (max), ${disLoss.maxRounds} at 10% loss`)
  if (n <= fullStateMax) {
    const periods = Math.max(5, Math.round(MESSAGE_PERIODS(n) * scale))
    row.messagePeriods = periods
    row.messagesPerPeerPerPeriod = round(sc.messagesPerPeriod(n, SEED, periods).perPeerPerPeriod, 3)
    if (n <= fpMax) row.messagesPerPeerPerPeriodLoss = round(sc.messagesPerPeriod(n, SEED, periods, LOSS).perPeerPerPeriod, 3)
    const streamPeriods = Math.max(5, Math.round(STREAM_MESSAGE_PERIODS(n) * scale))
    row.messagesPerPeerPerPeriodStreamLoss = round(sc.messagesPerPeriod(n, SEED, streamPeriods, LOSS, LAN, 'stream').perPeerPerPeriod, 3)
    log(`N = ${n}: ${row.messagesPerPeerPerPeriod} messages per peer per period; ${row.messagesPerPeerPerPeriodLoss ?? '-'} at 10% datagram loss, ${row.messagesPerPeerPerPeriodStreamLoss} at 10% stream loss`)
    save()
    const seeds = n >= 5000 || quick ? 1 : DETECTION_SEEDS
    row.firstSuspicionT = []; row.deadEverywhereT = []
    for (let k = 0; k < seeds; k++) {
      const d = sc.detection(n, SEED + k)
      row.firstSuspicionT.push(round(d.firstSuspicionMs / LAN.probeIntervalMs))
      row.deadEverywhereT.push(round(d.deadEverywhereMs / LAN.probeIntervalMs))
    }
    log(`N = ${n}: detection first suspicion ${median(row.firstSuspicionT)} T, dead everywhere ${median(row.deadEverywhereT)} T`)
    save()
  }
  if (n <= fullStateMax) {
    const transport = n <= fpMax ? 'datagram' : 'stream'
    const fpPeriods = Math.max(10, Math.round((transport === 'stream' ? FP_PERIODS_STREAM : FP_PERIODS(n)) * scale))
    const fp = sc.falsePositives(n, SEED, fpPeriods, true, LOSS, LAN, false, transport)
    row.fpPeriods = fpPeriods
    row.fpTransport = transport
    row.falseDeaths = fp.falseDeaths
    row.falseSuspicionsOfHealthy = fp.falseSuspicionsOfHealthy
    row.accusations = fp.accusations
    log(`N = ${n}: false positives over ${fpPeriods} periods (${transport} loss): ${fp.falseDeaths} healthy declared dead, ${fp.falseSuspicionsOfHealthy} suspect events of healthy peers`)
  }
  if (n > fullStateMax) {
    row.skipped = `above --full-state-max ${fullStateMax}`
    log(`N = ${n}: ${row.skipped}`)
  }
  row.seconds = round((Date.now() - tn) / 1000, 1)
  save()
}
log(`written ${out}`)
