/**
 * What the CLI's commands share: the options that say how to reach a cluster, usage errors, and `joinCluster`,
 * which starts a short-lived client peer (no services) and waits until it sees the cluster.
 */
import { parseArgs } from 'node:util'
import { createNode, loadOrCreateIdentity } from '../index.js'
import { Progress } from './progress.js'
import type { NodeOptions, PeercallNode } from '../index.js'
import type { ParseArgsConfig } from 'node:util'

/** How long a client waits to see the cluster (and a call's service) before giving up, ms. */
export const JOIN_TIMEOUT_MS = 15_000
/** A client's view counts as complete when its member set has not changed for this long, ms. */
export const SETTLE_MS = 750

/** A wrong command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

export const CLUSTER_OPTIONS = {
  bootstrap: { type: 'string', multiple: true, short: 'b' },
  cluster: { type: 'string', short: 'c' },
  listen: { type: 'string', multiple: true, short: 'l' },
  identity: { type: 'string' },
  'cluster-key': { type: 'string' },
  profile: { type: 'string' },
  mdns: { type: 'boolean' },
  wait: { type: 'string', short: 'w' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' }
} as const satisfies ParseArgsConfig['options']

export const CLUSTER_HELP = [
  '  -b, --bootstrap <multiaddr>  a peer of the cluster, ending in /p2p/<peer id> (repeatable; env PEERCALL_BOOTSTRAP,',
  '                               comma-separated)',
  '  -c, --cluster <name>         cluster name (default: default; env PEERCALL_CLUSTER)',
  '  -l, --listen <multiaddr>     address to listen on (repeatable; default /ip4/127.0.0.1/tcp/0)',
  '      --identity <file>        private key file: created if missing, so a restarted peer keeps its peer id',
  '      --cluster-key <file>     private cluster: the pre-shared key file (peercall cluster-key); env PEERCALL_CLUSTER_KEY',
  '      --profile lan|fast       failure-detection timing: lan (probe every 1 s, default) or fast (loopback, tests)',
  '      --mdns                   also find the cluster\'s peers on the LAN by multicast DNS (env PEERCALL_MDNS=1)',
  '  -w, --wait <ms>              how long a client waits to join the cluster (default 15000)',
  '      --json                   machine-readable output on stdout (one JSON document or JSON lines)',
  '  -q, --quiet                  no progress on stderr',
  '  -h, --help                   this help'
]

export interface ClusterValues {
  bootstrap?: string[]
  cluster?: string
  listen?: string[]
  identity?: string
  'cluster-key'?: string
  profile?: string
  mdns?: boolean
  wait?: string
  json?: boolean
  quiet?: boolean
  help?: boolean
}

/** parseArgs with usage errors turned into UsageError. */
export function parse<V> (args: string[], options: NonNullable<ParseArgsConfig['options']>, allowPositionals: boolean): { values: V, positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals, strict: true })
    return { values: values as V, positionals }
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

/** Node options from the cluster flags (and PEERCALL_* environment variables). */
export async function nodeOptions (v: ClusterValues): Promise<NodeOptions> {
  const envBootstrap = (process.env.PEERCALL_BOOTSTRAP ?? '').split(',').map(s => s.trim()).filter(s => s.length > 0)
  const clusterKey = v['cluster-key'] ?? process.env.PEERCALL_CLUSTER_KEY
  if (v.profile !== undefined && v.profile !== 'lan' && v.profile !== 'fast') throw new UsageError(`--profile must be lan or fast, not ${v.profile}`)
  return {
    listen: v.listen ?? ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: v.bootstrap ?? envBootstrap,
    cluster: v.cluster ?? process.env.PEERCALL_CLUSTER,
    privateKey: v.identity === undefined ? undefined : await loadOrCreateIdentity(v.identity),
    ...(clusterKey !== undefined && clusterKey !== '' ? { clusterKey } : {}),
    membership: { profile: v.profile === 'fast' ? 'fast' : 'lan', mdns: v.mdns === true || process.env.PEERCALL_MDNS === '1' }
  }
}

/**
 * Joins the cluster as a client peer and waits until `ready` holds for its view (by default: it sees another
 * member and its member set has settled). Progress goes to stderr.
 */
export async function joinCluster (v: ClusterValues, progress: Progress, ready?: (node: PeercallNode) => boolean): Promise<PeercallNode> {
  const timeoutMs = v.wait === undefined ? JOIN_TIMEOUT_MS : Number(v.wait)
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--wait must be a positive number of ms, not ${v.wait}`)
  const options = await nodeOptions(v)
  const mdns = options.membership?.mdns === true
  if ((options.bootstrap ?? []).length === 0 && !mdns) throw new UsageError('--bootstrap is required (or --mdns): the address of a peer of the cluster')
  progress.update(`joining cluster ${options.cluster ?? 'default'} through ${options.bootstrap?.length ?? 0} bootstrap peer(s)${mdns ? ' and mDNS' : ''}`)
  const node = await createNode(options)
  const deadline = Date.now() + timeoutMs
  let lastSet = ''
  let since = Date.now()
  const settled = (): boolean => {
    const others = node.members().filter(m => !m.self)
    const set = others.map(m => `${m.peerId}:${m.state}`).sort().join(',')
    if (set !== lastSet) { lastSet = set; since = Date.now() }
    progress.update(`joining cluster ${options.cluster ?? 'default'}: ${others.filter(m => m.state === 'alive').length} member(s) alive`)
    return others.length > 0 && Date.now() - since >= SETTLE_MS
  }
  try {
    while (!(ready === undefined ? settled() : (settled(), ready(node)))) {
      if (Date.now() > deadline) {
        throw new Error(node.members().length <= 1
          ? `could not join: no member of cluster '${options.cluster ?? 'default'}' answered within ${timeoutMs} ms (check --bootstrap, --mdns and --cluster)`
          : `timed out after ${timeoutMs} ms waiting for the cluster`)
      }
      await new Promise(resolve => setTimeout(resolve, 50))
    }
  } catch (err) {
    await node.stop().catch(() => {})
    throw err
  }
  return node
}
