/**
 * The example peer (`npm run peer -- --listen <multiaddr> [--bootstrap <multiaddr>]...`): hosts Calculator and the
 * key-value service, prints one JSON line `{"event":"listening","peerId":...,"multiaddrs":[...]}` to stdout, and
 * runs until SIGINT/SIGTERM, on which it leaves the cluster gracefully. `npm run peer`, the launcher and the
 * supervisor start it with `node --optimize-for-size --no-sparkplug` and `MALLOC_ARENA_MAX=2` (launcher's
 * `PEER_NODE_FLAGS` and `PEER_ENV`: a smaller young generation, no baseline code and two malloc arenas, for the
 * memory of a peer that is mostly idle).
 */
import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createNode, loadOrCreateIdentity } from '@peercall/core'
import { calculator, CALCULATOR_IDEMPOTENT } from './calculator.js'
import { KeyValueStore, KV_IDEMPOTENT } from './kv.js'
import { ReplicatedKeyValue } from './kv-replica.js'
import { feed } from './feed.js'
import { work } from './work.js'
import { reportMembership } from './peer-report.js'

const { values } = parseArgs({
  options: {
    listen: { type: 'string', multiple: true },
    bootstrap: { type: 'string', multiple: true },
    cluster: { type: 'string' },
    identity: { type: 'string' },
    profile: { type: 'string' },
    mdns: { type: 'boolean' },
    'cluster-key': { type: 'string' },
    allow: { type: 'string', multiple: true },
    quiet: { type: 'boolean', short: 'q' },
    help: { type: 'boolean', short: 'h' }
  },
  allowPositionals: false
})

if (values.help === true) {
  process.stdout.write([
    'usage: npm run peer -- [--listen <multiaddr>]... [--bootstrap <multiaddr>]... [options]',
    '  --cluster <name>     cluster to join (default: default)',
    '  --identity <file>    private key file: created if missing, so a restarted peer keeps its peer id',
    '  --profile lan|fast   failure-detection timing: lan (probe every 1 s, default) or fast (loopback, tests)',
    '  --mdns               also find the cluster\'s peers on the LAN by multicast DNS',
    '  --cluster-key <file> private cluster: the pre-shared key file (peercall cluster-key); env PEERCALL_CLUSTER_KEY',
    '  --allow <peer id>    only these peers may connect, call or be called (repeatable; peercall id prints one)',
    '  env PEERCALL_CLOCK_OFFSET_MS  skews the replicated store\'s clock by this many ms (fault tests)',
    '  -q, --quiet          print only the listening and stopped lines (not joined, nor each membership change)',
    ''
  ].join('\n'))
  process.exit(0)
}

// Signal handlers go in before anything is announced: a SIGTERM that follows the `listening` line at once must
// still lead to a graceful leave, never to Node's default exit.
let stopRequested: string | undefined
let shutdown = (signal: string): void => { stopRequested ??= signal }
process.on('SIGINT', () => { shutdown('SIGINT') })
process.on('SIGTERM', () => { shutdown('SIGTERM') })

const clusterKey = values['cluster-key'] ?? process.env.PEERCALL_CLUSTER_KEY
const clockOffsetMs = Number(process.env.PEERCALL_CLOCK_OFFSET_MS ?? 0)
const freshIdentity = values.identity === undefined || !existsSync(values.identity)
const node = await createNode({
  ...(clusterKey !== undefined && clusterKey !== '' ? { clusterKey } : {}),
  ...(values.allow !== undefined ? { allowPeers: values.allow } : {}),
  listen: values.listen ?? ['/ip4/127.0.0.1/tcp/0'],
  bootstrap: values.bootstrap ?? [],
  cluster: values.cluster,
  privateKey: values.identity === undefined ? undefined : await loadOrCreateIdentity(values.identity),
  membership: { profile: values.profile === 'fast' ? 'fast' : 'lan', mdns: values.mdns === true }
}).catch((err: Error) => { process.stderr.write(`peer: ${err.message}\n`); process.exit(1) }) // e.g. a port in use, in one line
node.register('Calculator', calculator, { idempotent: CALCULATOR_IDEMPOTENT })
node.register('KeyValue', new KeyValueStore(), { idempotent: KV_IDEMPOTENT })
node.register('Work', work, { idempotent: true })
node.register('Feed', feed)
const replicated = new ReplicatedKeyValue(node, {
  freshIdentity,
  ...(Number.isFinite(clockOffsetMs) && clockOffsetMs !== 0 ? { now: () => Date.now() + clockOffsetMs } : {})
}).attach()

let stopping = false
shutdown = (signal: string): void => {
  if (stopping) return
  stopping = true
  const timer = setTimeout(() => { process.exit(1) }, 10_000)
  timer.unref()
  replicated.detach()
  void node.stop().then(() => {
    process.stdout.write(JSON.stringify({ event: 'stopped', peerId: node.peerId, signal }) + '\n')
    process.exit(0)
  })
}

process.stdout.write(JSON.stringify({ event: 'listening', peerId: node.peerId, multiaddrs: node.multiaddrs }) + '\n')
if (values.quiet !== true) reportMembership(node, values.cluster ?? 'default', (values.bootstrap ?? []).length === 0, line => { process.stdout.write(line + '\n') })
if (stopRequested !== undefined) shutdown(stopRequested)
