/**
 * `node bench/dist/src/scale/charts.js [--dir docs]`: the scale charts (SVG) from `scale-real.json` and
 * `scale-sim.json`; a missing results file is skipped.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { LAN_T_MS } from './constants.js'
import { expectedDeadEverywhere } from './expectations.js'
import { median } from './stats.js'
import { lineChart } from './svg.js'
import type { RealResult } from './real-types.js'
import type { SimRow } from './sim-types.js'

const dirArg = process.argv.indexOf('--dir')
const dir = dirArg > 0 ? process.argv[dirArg + 1] : 'docs'
const write = (name: string, svg: string): void => { writeFileSync(join(dir, name), svg); console.log(`written ${join(dir, name)}`) }

const realFile = join(dir, 'scale-real.json')
if (existsSync(realFile)) {
  const { results } = JSON.parse(readFileSync(realFile, 'utf8')) as { results: RealResult[] }
  const xs = results.map(r => r.n)
  write('scale-real-timing.svg', lineChart({
    title: 'Real peers (LAN profile, T = 1 s): join and failure detection',
    xLabel: 'peer processes N',
    yLabel: 'ms (median)',
    xs,
    series: [
      { name: 'join (from listening)', ys: results.map(r => median(r.joinFromListeningMs)) },
      { name: 'first suspicion', ys: results.map(r => median(r.firstSuspectMs)) },
      { name: 'dead at all', ys: results.map(r => median(r.deadEverywhereMs)) },
      { name: 'memberlist: dead', ys: results.map(r => expectedDeadEverywhere(r.clusterSize).minT * LAN_T_MS), dashed: true }
    ]
  }))
  write('scale-real-bytes.svg', lineChart({
    title: 'Real peers: membership traffic per peer',
    xLabel: 'peer processes N',
    yLabel: 'bytes per second',
    xs,
    series: [
      { name: 'wire, written (idle)', ys: results.map(r => r.wireWriteBytesPerPeerPerSecIdle) },
      { name: 'wire, read (idle)', ys: results.map(r => r.wireReadBytesPerPeerPerSecIdle) },
      { name: 'wire, written (calls)', ys: results.map(r => r.wireWriteBytesPerPeerPerSecTraffic) }
    ]
  }))
  if (results.every(r => r.cpuPercentPerPeerIdle !== undefined)) {
    write('scale-real-cpu.svg', lineChart({
      title: 'Real peers: CPU per peer process (2-core machine)',
      xLabel: 'peer processes N',
      yLabel: '% of one core (median)',
      xs,
      series: [
        { name: 'idle', ys: results.map(r => r.cpuPercentPerPeerIdle ?? NaN) },
        { name: 'with calls', ys: results.map(r => r.cpuPercentPerPeerTraffic ?? NaN) },
        { name: 'whole machine / N', ys: results.map(r => 200 / r.n), dashed: true }
      ]
    }))
  }
}

const simFile = join(dir, 'scale-sim.json')
if (existsSync(simFile)) {
  const { rows } = JSON.parse(readFileSync(simFile, 'utf8')) as { rows: SimRow[] }
  const xs = rows.map(r => r.n)
  write('scale-sim-dissemination.svg', lineChart({
    title: 'Simulator: rounds for a record to reach every peer',
    xLabel: 'peers N (log scale)',
    yLabel: 'gossip rounds (hops)',
    xs,
    logX: true,
    series: [
      { name: 'max, no loss', ys: rows.map(r => r.roundsMax) },
      { name: 'max, 10% loss', ys: rows.map(r => r.roundsMaxLoss) },
      { name: 'log_(D-1) N, D = 6', ys: rows.map(r => r.floodRoundsExpected), dashed: true }
    ]
  }))
  write('scale-sim-detection.svg', lineChart({
    title: 'Simulator: crash detection (LAN, T = 1 s)',
    xLabel: 'peers N (log scale)',
    yLabel: 'probe periods T',
    xs,
    logX: true,
    series: [
      { name: 'first suspicion', ys: rows.map(r => r.firstSuspicionT === undefined ? undefined : median(r.firstSuspicionT)) },
      { name: 'dead everywhere', ys: rows.map(r => r.deadEverywhereT === undefined ? undefined : median(r.deadEverywhereT)) },
      { name: 'SWIM e/(e-1)', ys: rows.map(r => r.swimFirstDetectionT), dashed: true },
      { name: 'memberlist (min)', ys: rows.map(r => r.expectedDeadMinT), dashed: true }
    ]
  }))
  write('scale-sim-messages.svg', lineChart({
    title: 'Simulator: membership messages per peer per period',
    xLabel: 'peers N (log scale)',
    yLabel: 'messages sent per peer per T',
    xs,
    logX: true,
    series: [
      { name: 'no loss', ys: rows.map(r => r.messagesPerPeerPerPeriod) },
      { name: '10% loss, retransmitted (stream)', ys: rows.map(r => r.messagesPerPeerPerPeriodStreamLoss) },
      { name: '10% loss, lost (datagram)', ys: rows.map(r => r.messagesPerPeerPerPeriodLoss) }
    ]
  }))
}
