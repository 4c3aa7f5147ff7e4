/**
 * `node bench/dist/src/scale/report.js [--dir docs]`: the markdown tables of `scale.md` from `scale-real.json` and
 * `scale-sim.json`, written between the `<!-- scale:real -->` / `<!-- scale:sim -->` markers of `<dir>/scale.md`
 * (and printed).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { median } from './stats.js'
import type { RealResult } from './real-types.js'
import type { SimRow } from './sim-types.js'

const dirArg = process.argv.indexOf('--dir')
const dir = dirArg > 0 ? process.argv[dirArg + 1] : 'docs'

const f = (x: number | undefined, d = 0): string => x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(d)
const list = (xs: number[] | undefined, d = 0, scale = 1): string => xs === undefined || xs.length === 0 ? 'n/a' : `${f(median(xs) / scale, d)} (${xs.map(x => f(x / scale, d)).join(', ')})`

function table (head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map(r => `| ${r.join(' | ')} |`)].join('\n')
}

function realTables (results: RealResult[], meta: { callsPerSecond: number, observers: number, quick: boolean }): string {
  const timing = table(
    ['N peer processes', 'cluster size', 'start + converge (s)', 'join seen by all, from spawn (ms)', 'join, from `listening` (ms)', 'first suspicion (ms)', 'dead at all (ms)', 'false suspicions / deaths', 'load avg (1 min)'],
    results.map(r => [String(r.n), String(r.clusterSize), f(r.startSeconds, 1), list(r.joinFromSpawnMs), list(r.joinFromListeningMs), list(r.firstSuspectMs), list(r.deadEverywhereMs), `${f(r.falseSuspicions, 1)} / ${f(r.falseDeaths, 1)}`, f(r.loadavg1, 2)])
  )
  const bytes = table(
    ['N peer processes', 'gossip payload sent per peer (B/s)', 'membership-topic messages received per peer (1/s)', 'wire bytes written per peer, idle (B/s)', 'wire bytes read per peer, idle (B/s)', 'wire bytes written per peer, with calls (B/s)', 'CPU per peer, idle / with calls (% of a core)', `calls ok / failed (${meta.callsPerSecond}/s offered)`, 'call p50 / p99 (ms)'],
    results.map(r => [String(r.n), f(r.gossipPayloadBytesPerPeerPerSec), f(r.gossipMessagesPerSec, 1), f(r.wireWriteBytesPerPeerPerSecIdle), f(r.wireReadBytesPerPeerPerSecIdle), f(r.wireWriteBytesPerPeerPerSecTraffic), `${f(r.cpuPercentPerPeerIdle, 1)} / ${f(r.cpuPercentPerPeerTraffic, 1)}`, `${r.calls.ok} / ${r.calls.failed}`, `${f(r.calls.p50Ms, 1)} / ${f(r.calls.p99Ms, 1)}`])
  )
  return `Medians, with every repeat in brackets${meta.quick ? ' (`--quick` run)' : ''}.\n\n${timing}\n\n${bytes}`
}

function simTables (rows: SimRow[]): string {
  const dis = table(
    ['N', 'rounds to all, max (mean)', 'rounds, 10% loss (reached)', 'log_5 N (flood over D = 6)', 'time to all (ms, 2 ms per hop)'],
    rows.map(r => [String(r.n), `${r.roundsMax} (${f(r.roundsMean, 1)})`, `${r.roundsMaxLoss} (${f(r.reachedLoss * 100, 2)}%)`, f(r.floodRoundsExpected, 1), f(r.timeToAllMs, 1)])
  )
  const det = table(
    ['N', 'first suspicion (T)', 'SWIM: first detection e/(e-1) (T)', 'dead everywhere (T)', 'memberlist: detection + suspicion timeout, min .. Lifeguard max (T)', 'false: healthy declared dead (suspicions of healthy peers) over periods'],
    rows.map(r => [String(r.n), list(r.firstSuspicionT, 2), f(r.swimFirstDetectionT, 2), list(r.deadEverywhereT, 1), `${f(r.expectedDeadMinT, 1)} .. ${f(r.expectedDeadMaxT, 1)}`,
      r.falseDeaths === undefined ? `not run: ${r.skipped ?? ''}` : `${r.falseDeaths} (${f((r.falseSuspicionsOfHealthy ?? 0) / Math.max(1, r.n - 1), 1)}) over ${r.fpPeriods ?? 0} T, ${r.fpTransport ?? 'datagram'} loss`])
  )
  const msg = table(
    ['N', 'messages sent per peer per period, no loss', '10% loss as retransmission (stream)', '10% loss, lost for good (datagram)', 'periods measured', 'SWIM: constant per member', 'wall time (s)'],
    rows.map(r => [String(r.n), f(r.messagesPerPeerPerPeriod, 3), f(r.messagesPerPeerPerPeriodStreamLoss, 3), f(r.messagesPerPeerPerPeriodLoss, 3), r.messagePeriods === undefined ? 'not run' : String(r.messagePeriods), 'about 2 (1 ping + 1 ack)', f(r.seconds, 1)])
  )
  return `${dis}\n\n${det}\n\n${msg}`
}

function splice (doc: string, marker: string, body: string): string {
  const open = `<!-- scale:${marker} -->`; const close = `<!-- /scale:${marker} -->`
  const a = doc.indexOf(open); const b = doc.indexOf(close)
  if (a < 0 || b < a) return doc
  return doc.slice(0, a + open.length) + '\n' + body + '\n' + doc.slice(b)
}

const docFile = join(dir, 'scale.md')
let doc = existsSync(docFile) ? readFileSync(docFile, 'utf8') : undefined
const realFile = join(dir, 'scale-real.json')
if (existsSync(realFile)) {
  const data = JSON.parse(readFileSync(realFile, 'utf8')) as { results: RealResult[], callsPerSecond: number, observers: number, quick: boolean }
  const body = realTables(data.results, data)
  console.log(body + '\n')
  if (doc !== undefined) doc = splice(doc, 'real', body)
}
const simFile = join(dir, 'scale-sim.json')
if (existsSync(simFile)) {
  const data = JSON.parse(readFileSync(simFile, 'utf8')) as { rows: SimRow[] }
  const body = simTables(data.rows)
  console.log(body + '\n')
  if (doc !== undefined) doc = splice(doc, 'sim', body)
}
if (doc !== undefined) { writeFileSync(docFile, doc); console.log(`updated ${docFile}`) }
