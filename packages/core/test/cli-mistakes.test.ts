/**
 * Mistakes on the `peercall` command line, each answered at once with exit 2 and one line saying what to do;
 * an unknown service answered as soon as the client's view is complete; a port in use said in peercall's words.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import test from 'ava'
import { parseArgsMessage } from '../src/cli/common.js'
import { absentTarget } from '../src/cli/call-command.js'
import { jsonProblem } from '../src/cli/format.js'
import { CALCULATOR_MODULE, killPeer, runCli, startCliPeer } from './helpers/cli.js'
import type { AddressInfo, Server } from 'node:net'
import type { Member } from '../src/index.js'

/**
 * A usage error is answered within this beyond a bare Node start, ms: nothing is started and libp2p is not even
 * loaded, so it takes ~0.1 s on a quiet machine. The bound leaves room for a loaded 2-core machine (a second more
 * was seen there) and still tells an answer at once from the 15 s wait for a cluster that it replaced. The cases
 * run one at a time so that each is timed alone.
 */
const USAGE_ANSWER_MS = 3000
const B = '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMq6vGB3u2'

const MISTAKES: Array<{ what: string, args: string[], says: RegExp }> = [
  { what: 'unknown flag', args: ['call', 'Calculator.add', '1', '2', '-b', B, '--frob'], says: /^peercall call: unknown option --frob \(peercall call --help shows every option\)$/ },
  { what: 'bad multiaddr', args: ['call', 'Calculator.add', '1', '2', '--bootstrap', 'not-a-multiaddr'], says: /^peercall call: --bootstrap not-a-multiaddr is not a multiaddr: write it as \/ip4\/10\.0\.0\.5\/tcp\/4001\/p2p\/12D3KooW\.\.\./ },
  { what: 'bad listen multiaddr', args: ['node', '--listen', '/ip4/1.2.3'], says: /^peercall node: --listen \/ip4\/1\.2\.3 is not a multiaddr/ },
  { what: 'unknown strategy', args: ['call', 'Calculator.add', '1', '2', '-b', B, '--balance', 'bogus'], says: /^peercall call: --balance must be one of p2c, hash, round-robin, local-first, not bogus/ },
  { what: 'missing Service.method', args: ['call', '-b', B], says: /^peercall call: the first argument must be Service\.method, e\.g\. Calculator\.add/ },
  { what: 'missing bootstrap', args: ['call', 'Calculator.add', '1', '2'], says: /^peercall call: --bootstrap is required \(or --mdns\)/ },
  { what: 'missing option value', args: ['members', '-b', B, '--wait'], says: /^peercall members: --wait needs a value/ },
  { what: 'non-JSON arg', args: ['call', 'Calculator.add', '{a:1}', '2', '-b', B], says: /^peercall call: argument 1 looks like JSON but is not \(.*\): \{a:1\}; quote it for the shell/ },
  { what: 'unknown command', args: ['frobnicate'], says: /^peercall: unknown command 'frobnicate': the commands are node, call, members, top, cluster-key, id \(peercall --help\)$/ }
]

/**
 * How long starting a bare Node takes here and now, ms: subtracted from the CLI's time, so that the bound is on
 * what the command does (on a loaded machine process start-up alone can take a second).
 */
async function bareNodeMs (): Promise<number> {
  const start = performance.now()
  await new Promise(resolve => { spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }).once('exit', resolve) })
  return performance.now() - start
}

for (const m of MISTAKES) {
  test.serial(`usage mistake, ${m.what}: exit 2 in under ${USAGE_ANSWER_MS} ms, one line`, async t => {
    const bare = await bareNodeMs()
    const start = performance.now()
    const r = await runCli(m.args, 20_000, { PEERCALL_BOOTSTRAP: '' })
    const ms = performance.now() - start - bare
    t.is(r.code, 2, r.stderr)
    t.is(r.stdout, '')
    const lines = r.stderr.trimEnd().split('\n')
    t.is(lines.length, 1, r.stderr)
    t.regex(lines[0], m.says)
    t.true(ms < USAGE_ANSWER_MS, `answered in ${Math.round(ms)} ms more than a bare Node start (${Math.round(bare)} ms)`)
  })
}

test.serial(`no arguments: the help on stderr, exit 2, in under ${USAGE_ANSWER_MS} ms`, async t => {
  const bare = await bareNodeMs()
  const start = performance.now()
  const r = await runCli([])
  t.is(r.code, 2)
  t.regex(r.stderr, /^usage: peercall <command> \[options\]/)
  t.true(performance.now() - start - bare < USAGE_ANSWER_MS)
})

test('parseArgs messages are shortened to what to fix', t => {
  t.is(parseArgsMessage(Object.assign(new Error("Unknown option '--frob'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- \"--frob\""), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' })), 'unknown option --frob')
  t.is(parseArgsMessage(Object.assign(new Error("Option '-w, --wait <value>' argument missing"), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' })), '--wait needs a value')
  t.is(parseArgsMessage(Object.assign(new Error("Option '--json' does not take an argument"), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' })), '--json takes no value')
  t.is(parseArgsMessage(Object.assign(new Error("Unexpected argument 'x'. This command does not take positional arguments"), { code: 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' })), 'unexpected argument x')
  t.is(jsonProblem('user-1'), undefined)
  t.is(jsonProblem('{"a":1}'), undefined)
  t.truthy(jsonProblem('[1,'))
  t.truthy(jsonProblem('"open'))
})

test('absentTarget names what the cluster hosts, and nothing when the target is there', t => {
  const member = (peerId: string, state: Member['state'], services: string[], self = false): Member =>
    ({ peerId, addrs: [], state, incarnation: 1, services, load: { inflight: 0, latencyMs: 0, eventLoopDelayMs: 0, cpu: 0, memoryMb: 0 }, meta: {}, self })
  const members = [member('me', 'alive', [], true), member('a', 'alive', ['Calculator', 'KeyValue']), member('b', 'dead', ['Nope'])]
  t.is(absentTarget(members, 'Calculator'), undefined)
  t.is(absentTarget(members, 'Nope'), "NOT_FOUND: no peer hosts Nope; the cluster's 1 live member(s) host Calculator, KeyValue")
  t.is(absentTarget(members, 'X', 'a'), undefined)
  t.regex(absentTarget(members, 'X', 'b') ?? '', /^no live member b in the cluster/)
})

test('an unknown service is answered once the view is complete, not after the whole --wait', async t => {
  t.timeout(60_000)
  const peer = await startCliPeer(['--service', CALCULATOR_MODULE, '--profile', 'fast'])
  t.teardown(async () => { await killPeer(peer) })
  const start = performance.now()
  const r = await runCli(['call', 'Nope.add', '1', '2', '-b', peer.multiaddrs[0], '--quiet', '--wait', '30000', '--profile', 'fast'], 40_000)
  const ms = performance.now() - start
  t.is(r.code, 1, r.stderr)
  t.regex(r.stderr, /^peercall call: NOT_FOUND: no peer hosts Nope; the cluster's 1 live member\(s\) host Calculator, Echo\n$/)
  t.true(ms < 10_000, `answered in ${Math.round(ms)} ms with --wait 30000`)
})

async function occupiedPort (t: { teardown: (fn: () => void) => void }): Promise<number> {
  const server: Server = createServer()
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  t.teardown(() => { server.close() })
  return (server.address() as AddressInfo).port
}

test('a port in use is said in peercall\'s words, for the peer and for the dashboard', async t => {
  t.timeout(60_000)
  const port = await occupiedPort(t)
  const r = await runCli(['node', '--listen', `/ip4/127.0.0.1/tcp/${port}`, '--quiet'], 30_000)
  t.is(r.code, 1, r.stderr)
  t.is(r.stderr, `peercall node: cannot listen on /ip4/127.0.0.1/tcp/${port}: the port is in use (another peer, or an earlier one still stopping?): choose another port, or port 0 for any free one\n`)
  const h = await runCli(['node', '--http', String(port), '--quiet'], 30_000)
  t.is(h.code, 1, h.stderr)
  t.regex(h.stderr, new RegExp(`^peercall node: cannot serve the dashboard on 127\\.0\\.0\\.1:${port}: the port is in use`))
  t.notRegex(r.stderr + h.stderr, /faultTolerance/)
})
