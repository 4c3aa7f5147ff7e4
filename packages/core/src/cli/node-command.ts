/** `peercall node`: starts a peer that hosts the services of modules, until SIGINT/SIGTERM (graceful leave). */
import { CLUSTER_HELP, CLUSTER_OPTIONS, UsageError, nodeOptions, parse } from './common.js'
import { loadServices } from './services.js'
import { shortId } from './format.js'
import { Progress } from './progress.js'
import type { ClusterValues } from './common.js'
import type { Member } from '../index.js'

/** How long a stopping peer may take to leave and drain before it exits anyway, ms. */
const STOP_GRACE_MS = 10_000

export const NODE_HELP = [
  'usage: peercall node [--listen <multiaddr>]... [--bootstrap <multiaddr>]... [--service <module>]... [options]',
  '',
  'Starts a peer. It hosts the services of each --service module (default export { name, impl, options },',
  'an array of them, or a map { Name: { impl, options } }), joins the cluster through --bootstrap, and runs',
  'until SIGINT/SIGTERM, on which it leaves gracefully. With --json it prints',
  '{"event":"listening","peerId":...,"multiaddrs":[...],"http":...} and then one line per membership event.',
  '',
  '  -s, --service <module>       a module whose default export describes services (repeatable)',
  '      --http <port>            serve the live dashboard and /metrics on this port (0: any free port)',
  '      --http-host <address>    address of the dashboard (default 127.0.0.1: it has no authentication)',
  '      --allow <peer id>        only these peers may connect, call or be called (repeatable; peercall id prints',
  '                               the id of an identity file); default: anyone (with the cluster key, if any)',
  ...CLUSTER_HELP,
  '',
  'example: peercall node --listen /ip4/0.0.0.0/tcp/4001 --service ./calculator.js --http 9464'
].join('\n')

interface NodeValues extends ClusterValues {
  service?: string[]
  http?: string
  'http-host'?: string
  allow?: string[]
}

export async function nodeCommand (args: string[]): Promise<number> {
  const { values } = parse<NodeValues>(args, {
    ...CLUSTER_OPTIONS,
    service: { type: 'string', multiple: true, short: 's' },
    http: { type: 'string' },
    'http-host': { type: 'string' },
    allow: { type: 'string', multiple: true }
  }, false)
  if (values.help === true) {
    process.stdout.write(NODE_HELP + '\n')
    return 0
  }
  const progress = new Progress({ quiet: values.quiet })
  let port: number | undefined
  if (values.http !== undefined) {
    port = Number(values.http)
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--http must be a port number, not ${values.http}`)
  }
  // signal handlers before anything is announced, so an immediate SIGTERM still leaves gracefully
  let requested: string | undefined
  let shutdown = (signal: string): void => { requested ??= signal }
  const onSignal = (signal: string) => () => { shutdown(signal) }
  process.on('SIGINT', onSignal('SIGINT'))
  process.on('SIGTERM', onSignal('SIGTERM'))

  const specs = []
  for (const m of values.service ?? []) {
    progress.update(`loading services from ${m}`)
    specs.push(...await loadServices(m))
  }
  const options = await nodeOptions(values)
  const { createNode } = await import('../index.js')
  progress.update(`starting peer${(options.bootstrap ?? []).length > 0 ? ` and dialling ${options.bootstrap?.length ?? 0} bootstrap peer(s)` : ''}`)
  const node = await createNode({
    ...options,
    ...(port !== undefined ? { http: { port, host: values['http-host'] } } : {}),
    ...(values.allow !== undefined ? { allowPeers: values.allow } : {})
  })
  for (const s of specs) node.register(s.name, s.impl, s.options)
  progress.done()

  const json = values.json === true
  const out = (line: string): void => { process.stdout.write(line + '\n') }
  for (const type of ['member:join', 'member:suspect', 'member:dead', 'member:leave'] as const) {
    node.addEventListener(type, e => {
      const m = (e as CustomEvent<Member>).detail
      if (json) out(JSON.stringify({ event: type, peerId: m.peerId, state: m.state, incarnation: m.incarnation }))
      else if (values.quiet !== true) process.stderr.write(`${new Date().toISOString()} ${type.slice(7)} ${m.peerId} (incarnation ${m.incarnation})\n`)
    })
  }

  let stopping = false
  shutdown = (signal: string): void => {
    if (stopping) return
    stopping = true
    if (!json && values.quiet !== true) process.stderr.write(`${signal}: leaving the cluster\n`)
    setTimeout(() => { process.exit(1) }, STOP_GRACE_MS).unref()
    void node.stop().then(() => {
      if (json) out(JSON.stringify({ event: 'stopped', peerId: node.peerId, signal }))
      process.exit(0)
    })
  }

  if (json) {
    out(JSON.stringify({ event: 'listening', peerId: node.peerId, multiaddrs: node.multiaddrs, services: node.services(), http: node.httpUrl ?? null }))
  } else {
    out(`peer ${node.peerId} (${shortId(node.peerId)})`)
    out(`cluster  ${options.cluster ?? 'default'}`)
    for (const a of node.multiaddrs) out(`listening ${a}`)
    out(`services ${node.services().join(', ') || '(none)'}`)
    if (node.httpUrl !== undefined) out(`dashboard ${node.httpUrl}/  metrics ${node.httpUrl}/metrics`)
    out(`join it with: peercall node --bootstrap ${node.multiaddrs[0] ?? '<multiaddr>'}`)
  }
  if (requested !== undefined) shutdown(requested)
  await new Promise<never>(() => {}) // runs until a signal
  return 0
}
