/** `peercall call Service.method [args...]`: joins as a client peer, makes one call, prints the result. */
import { RpcError } from '../errors.js'
import { CLUSTER_HELP, CLUSTER_OPTIONS, UsageError, joinCluster, parse } from './common.js'
import { jsonProblem, parseArg, toJson } from './format.js'
import { Progress } from './progress.js'
import type { Balance, CallOptions, Member } from '../index.js'
import type { ClusterValues } from './common.js'

export const CALL_HELP = [
  'usage: peercall call <Service.method> [arg]... --bootstrap <multiaddr> [options]',
  '',
  'Joins the cluster as a client peer, calls the method on a peer that hosts the service, prints the result',
  '(JSON; a string result as is) and leaves. Each arg is parsed as JSON where it parses, else taken as a',
  'string: `peercall call Calculator.add 1 2` sends [1, 2]; `peercall call KeyValue.get user-1` sends ["user-1"].',
  'Exit code 0 on success, 1 when the call fails (the error code and message on stderr), 2 on a usage error.',
  '',
  '      --timeout <ms>           deadline of the call (default 10000)',
  '      --peer <peer id>         call this peer, with no routing',
  '      --balance <strategy>     p2c (default), hash, round-robin or local-first',
  '      --key <key>              key for --balance hash',
  '      --idempotent             the call may be retried and hedged',
  ...CLUSTER_HELP,
  '',
  'example: peercall call Calculator.add 1 2 --bootstrap /ip4/10.0.0.5/tcp/4001/p2p/12D3KooW...'
].join('\n')

/** Deadline of a CLI call unless --timeout says otherwise, ms. */
export const CLI_CALL_TIMEOUT_MS = 10_000

interface CallValues extends ClusterValues {
  timeout?: string
  peer?: string
  balance?: string
  key?: string
  idempotent?: boolean
}

export async function callCommand (args: string[]): Promise<number> {
  const { values, positionals } = parse<CallValues>(args, {
    ...CLUSTER_OPTIONS,
    timeout: { type: 'string', short: 't' },
    peer: { type: 'string' },
    balance: { type: 'string' },
    key: { type: 'string' },
    idempotent: { type: 'boolean' }
  }, true)
  if (values.help === true) {
    process.stdout.write(CALL_HELP + '\n')
    return 0
  }
  const target = positionals[0]
  const dot = target?.lastIndexOf('.') ?? -1
  if (target === undefined || dot <= 0 || dot === target.length - 1) throw new UsageError('the first argument must be Service.method, e.g. Calculator.add')
  const service = target.slice(0, dot)
  const method = target.slice(dot + 1)
  const callArgs = positionals.slice(1).map((text, i) => {
    const problem = jsonProblem(text)
    if (problem !== undefined) throw new UsageError(`argument ${i + 1} looks like JSON but is not (${problem}): ${text}; quote it for the shell, e.g. '{"a":1}'`)
    return parseArg(text)
  })
  const timeoutMs = values.timeout === undefined ? CLI_CALL_TIMEOUT_MS : Number(values.timeout)
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout must be a positive number of ms, not ${values.timeout}`)
  const balances = ['p2c', 'hash', 'round-robin', 'local-first']
  if (values.balance !== undefined && !balances.includes(values.balance)) throw new UsageError(`--balance must be one of ${balances.join(', ')}, not ${values.balance}`)

  const progress = new Progress({ quiet: values.quiet })
  // ready when a live member hosts the service (or, for --peer, when that peer is seen)
  const node = await joinCluster(values, progress, n => n.members().some(m => !m.self && m.state === 'alive' &&
    (values.peer !== undefined ? m.peerId === values.peer : m.services.includes(service))), n => absentTarget(n.members(), service, values.peer))
  const options: CallOptions = {
    timeoutMs,
    ...(values.peer !== undefined ? { peer: values.peer } : {}),
    ...(values.balance !== undefined ? { balance: values.balance as Balance } : {}),
    ...(values.key !== undefined ? { key: values.key } : {}),
    ...(values.idempotent === true ? { idempotent: true } : {})
  }
  progress.update(`calling ${service}.${method}`)
  const started = performance.now()
  let code = 0
  try {
    const result = await node.call(service, method, callArgs, options)
    const ms = performance.now() - started
    progress.done()
    if (values.json === true) process.stdout.write(toJson({ ok: true, result, ms: Math.round(ms * 10) / 10 }) + '\n')
    else process.stdout.write((typeof result === 'string' ? result : toJson(result, 2)) + '\n')
  } catch (err) {
    progress.done()
    code = 1
    const e = err instanceof RpcError
      ? { code: err.code, message: err.message, peer: err.peer, retryable: err.retryable, mayHaveExecuted: err.mayHaveExecuted, ...(err.remoteName !== undefined ? { remoteName: err.remoteName } : {}) }
      : { code: 'INTERNAL', message: (err as Error).message }
    if (values.json === true) process.stdout.write(toJson({ ok: false, error: e }) + '\n')
    else process.stderr.write(`error: ${e.code}: ${e.message}\n`)
  } finally {
    await node.stop()
  }
  return code
}

/**
 * Why the call cannot be made in a complete view (no live member hosts the service, or the --peer is not a live
 * member), naming what the cluster does have; undefined if it can.
 */
export function absentTarget (members: Member[], service: string, peer?: string): string | undefined {
  const live = members.filter(m => !m.self && m.state === 'alive')
  if (peer !== undefined) {
    return live.some(m => m.peerId === peer) ? undefined : `no live member ${peer} in the cluster (${live.length} live member(s); peercall members lists them)`
  }
  if (live.some(m => m.services.includes(service))) return undefined
  const hosted = [...new Set(live.flatMap(m => m.services))].sort()
  return `NOT_FOUND: no peer hosts ${service}; the cluster's ${live.length} live member(s) host ${hosted.length > 0 ? hosted.join(', ') : 'no services'}`
}
