/** `peercall members`: the cluster's members as a client peer sees them once its view has settled. */
import { CLUSTER_HELP, CLUSTER_OPTIONS, joinCluster, parse } from './common.js'
import { shortId, table } from './format.js'
import { Progress } from './progress.js'
import type { ClusterValues } from './common.js'
import type { Member } from '../index.js'

export const MEMBERS_HELP = [
  'usage: peercall members --bootstrap <multiaddr> [options]',
  '',
  'Joins the cluster as a client peer, waits until its view of the members settles, prints them (this client',
  'left out) and leaves. --json prints an array of { peerId, addrs, state, incarnation, services, load }.',
  '',
  '      --all                    include members that left or are dead (default: alive and suspect only)',
  ...CLUSTER_HELP
].join('\n')

const ORDER: Record<string, number> = { alive: 0, suspect: 1, dead: 2, left: 3 }

export function memberRows (members: Member[]): string[][] {
  return members.map(m => [
    m.peerId,
    m.state,
    String(m.incarnation),
    m.services.join(',') || '-',
    String(m.load.inflight),
    `${m.load.latencyMs.toFixed(1)} ms`,
    m.addrs[0] ?? '-'
  ])
}

export function sortMembers (members: Member[]): Member[] {
  return [...members].sort((a, b) => (ORDER[a.state] - ORDER[b.state]) || (a.peerId < b.peerId ? -1 : 1))
}

interface MembersValues extends ClusterValues { all?: boolean }

export async function membersCommand (args: string[]): Promise<number> {
  const { values } = parse<MembersValues>(args, { ...CLUSTER_OPTIONS, all: { type: 'boolean' } }, false)
  if (values.help === true) {
    process.stdout.write(MEMBERS_HELP + '\n')
    return 0
  }
  const progress = new Progress({ quiet: values.quiet })
  const node = await joinCluster(values, progress)
  try {
    const members = sortMembers(node.members().filter(m => !m.self && (values.all === true || m.state === 'alive' || m.state === 'suspect')))
    progress.done()
    if (values.json === true) {
      process.stdout.write(JSON.stringify(members.map(({ peerId, addrs, state, incarnation, services, load }) => ({ peerId, addrs, state, incarnation, services, load }))) + '\n')
    } else {
      process.stdout.write(table(['PEER', 'STATE', 'INCARNATION', 'SERVICES', 'IN FLIGHT', 'LATENCY', 'ADDRESS'], memberRows(members)) + '\n')
      process.stderr.write(`${members.length} member(s); this client was ${shortId(node.peerId)}\n`)
    }
  } finally {
    await node.stop()
  }
  return 0
}
