/**
 * `peercall top`: live load per peer (gossiped in-flight calls, latency, CPU, event-loop delay), refreshed in
 * place on a terminal; on a pipe, one snapshot per interval (a table, or a JSON line with --json).
 */
import { CLUSTER_HELP, CLUSTER_OPTIONS, UsageError, joinCluster, parse } from './common.js'
import { bar, shortId, table } from './format.js'
import { sortMembers } from './members-command.js'
import { Progress } from './progress.js'
import type { ClusterValues } from './common.js'
import type { Member } from '../index.js'

export const TOP_HELP = [
  'usage: peercall top --bootstrap <multiaddr> [options]',
  '',
  'Joins the cluster as a client peer and shows the load of each member, refreshed every --interval: in place',
  'on a terminal (q or Ctrl-C quits), as successive snapshots when stdout is not a terminal (one JSON line each',
  'with --json). Load is what each member gossips: calls in flight, latency (EWMA), CPU, event-loop delay.',
  'The table leaves out members that left; the JSON has every member.',
  '',
  '  -i, --interval <ms>          refresh period (default 1000)',
  '  -n, --count <n>              stop after n snapshots (default: run until interrupted)',
  ...CLUSTER_HELP
].join('\n')

/** Refresh period of `top` unless --interval says otherwise, ms (membership gossips load about once a second). */
export const TOP_INTERVAL_MS = 1000

interface TopValues extends ClusterValues { interval?: string, count?: string }

export function topTable (members: Member[], width = 24): string {
  const live = sortMembers(members.filter(m => !m.self && m.state !== 'left'))
  const max = Math.max(1, ...live.map(m => m.load.inflight))
  return table(['PEER', 'STATE', 'IN FLIGHT', 'LOAD', 'LATENCY', 'CPU', 'LOOP DELAY', 'SERVICES'], live.map(m => [
    shortId(m.peerId),
    m.state,
    String(m.load.inflight),
    m.state === 'alive' || m.state === 'suspect' ? bar(m.load.inflight, max, width) : '',
    `${m.load.latencyMs.toFixed(1)} ms`,
    m.load.cpu === undefined ? '–' : `${Math.round(m.load.cpu * 100)}%`,
    m.load.eventLoopDelayMs === undefined ? '–' : `${m.load.eventLoopDelayMs.toFixed(1)} ms`,
    m.services.join(',') || '-'
  ]))
}

export async function topCommand (args: string[]): Promise<number> {
  const { values } = parse<TopValues>(args, {
    ...CLUSTER_OPTIONS,
    interval: { type: 'string', short: 'i' },
    count: { type: 'string', short: 'n' }
  }, false)
  if (values.help === true) {
    process.stdout.write(TOP_HELP + '\n')
    return 0
  }
  const interval = values.interval === undefined ? TOP_INTERVAL_MS : Number(values.interval)
  if (!Number.isFinite(interval) || interval < 50) throw new UsageError('--interval must be a number of ms, at least 50')
  const count = values.count === undefined ? Infinity : Number(values.count)
  if (!(count >= 1)) throw new UsageError('--count must be a positive integer')
  const progress = new Progress({ quiet: values.quiet })
  const node = await joinCluster(values, progress)
  progress.done()
  const tty = process.stdout.isTTY === true && values.json !== true
  let stop = false
  const onSignal = (): void => { stop = true }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  if (tty && process.stdin.isTTY === true) {
    process.stdin.setRawMode(true)
    process.stdin.on('data', (d: Buffer) => { if (d[0] === 0x71 || d[0] === 0x03) stop = true }) // q, Ctrl-C
    process.stdin.unref()
  }
  try {
    for (let i = 0; i < count && !stop; i++) {
      const members = node.members()
      const now = new Date().toISOString()
      if (values.json === true) {
        process.stdout.write(JSON.stringify({ at: now, members: members.filter(m => !m.self).map(({ peerId, state, incarnation, services, load }) => ({ peerId, state, incarnation, services, load })) }) + '\n')
      } else if (tty) {
        // home, clear screen: the table is redrawn in place
        process.stdout.write(`\x1b[H\x1b[2Jpeercall top: cluster ${node.members().length - 1} member(s), ${now}, every ${interval} ms (q quits)\n\n${topTable(members)}\n`)
      } else {
        process.stdout.write(`${now}\n${topTable(members)}\n\n`)
      }
      if (i + 1 < count) {
        const until = Date.now() + interval
        while (!stop && Date.now() < until) await new Promise(resolve => setTimeout(resolve, Math.min(100, until - Date.now())))
      }
    }
  } finally {
    if (tty && process.stdin.isTTY === true) process.stdin.setRawMode(false)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await node.stop()
  }
  return 0
}
