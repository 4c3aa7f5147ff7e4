/**
 * What the CLI's commands share: the options that say how to reach a cluster, usage errors, and `joinCluster`,
 * which starts a short-lived client peer (no services) and waits until it sees the cluster.
 * The library (libp2p and the rest) is imported only once the command line has been checked, so that a usage
 * error is answered in a fraction of a second.
 */
import { parseArgs } from 'node:util'
import { multiaddr } from '@multiformats/multiaddr'
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

/** parseArgs with usage errors turned into UsageError, in one short sentence. */
export function parse<V> (args: string[], options: NonNullable<ParseArgsConfig['options']>, allowPositionals: boolean): { values: V, positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals, strict: true })
    return { values: values as V, positionals }
  } catch (err) {
    throw new UsageError(parseArgsMessage(err as Error & { code?: string }))
  }
}

/** node:util parseArgs's error, shortened: its messages run to several sentences. */
export function parseArgsMessage (err: Error & { code?: string }): string {
  const quoted = /'([^']*)'/.exec(err.message)?.[1]
  // "Option '-w, --wait <value>' argument missing": name the long form
  const words = (quoted ?? '').split(/[ ,]+/)
  const flag = words.find(w => w.startsWith('--')) ?? words.find(w => w.startsWith('-')) ?? 'an option'
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': return `unknown option ${quoted ?? err.message}`
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': return /argument missing/.test(err.message) ? `${flag} needs a value` : `${flag} takes no value`
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': return `unexpected argument ${quoted ?? ''}`.trimEnd()
    default: return err.message.split('\n')[0]
  }
}

/** Throws a UsageError unless `addr` parses as a multiaddr. */
export function checkMultiaddr (flag: string, addr: string): void {
  try {
    multiaddr(addr)
  } catch {
    throw new UsageError(`${flag} ${addr} is not a multiaddr: write it as /ip4/10.0.0.5/tcp/4001${flag === '--listen' ? '' : '/p2p/12D3KooW...'}`)
  }
}

/** Node options from the cluster flags (and PEERCALL_* environment variables). */
/** The bootstrap addresses from --bootstrap, else from PEERCALL_BOOTSTRAP. */
function bootstrapOf (v: ClusterValues): string[] {
  return v.bootstrap ?? (process.env.PEERCALL_BOOTSTRAP ?? '').split(',').map(s => s.trim()).filter(s => s.length > 0)
}

export async function nodeOptions (v: ClusterValues): Promise<NodeOptions> {
  const envBootstrap = bootstrapOf(v)
  const clusterKey = v['cluster-key'] ?? process.env.PEERCALL_CLUSTER_KEY
  if (v.profile !== undefined && v.profile !== 'lan' && v.profile !== 'fast') throw new UsageError(`--profile must be lan or fast, not ${v.profile}`)
  for (const a of v.listen ?? []) checkMultiaddr('--listen', a)
  for (const a of v.bootstrap ?? []) checkMultiaddr('--bootstrap', a)
  if (v.bootstrap === undefined) for (const a of envBootstrap) checkMultiaddr('PEERCALL_BOOTSTRAP', a)
  const { loadOrCreateIdentity } = await import('../index.js')
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
 * member and its member set has settled). Once the view has settled, `absent` may give up at once: it returns
 * why (e.g. no member hosts the service asked for), and that is thrown. Progress goes to stderr.
 */
export async function joinCluster (v: ClusterValues, progress: Progress, ready?: (node: PeercallNode) => boolean, absent?: (node: PeercallNode) => string | undefined): Promise<PeercallNode> {
  const timeoutMs = v.wait === undefined ? JOIN_TIMEOUT_MS : Number(v.wait)
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--wait must be a positive number of ms, not ${v.wait}`)
  if (bootstrapOf(v).length === 0 && v.mdns !== true && process.env.PEERCALL_MDNS !== '1') throw new UsageError('--bootstrap is required (or --mdns): the address of a peer of the cluster')
  const options = await nodeOptions(v)
  const mdns = options.membership?.mdns === true
  const { createNode } = await import('../index.js')
  const { CLIENT_META } = await import('../client/role.js')
  // a client: the others drop it from their views as soon as it leaves
  options.membership = { ...options.membership, meta: { ...options.membership?.meta, ...CLIENT_META } }
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
    for (;;) {
      const isSettled = settled()
      if (ready === undefined ? isSettled : ready(node)) break
      const why = isSettled ? absent?.(node) : undefined
      if (why !== undefined) throw new Error(why)
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
