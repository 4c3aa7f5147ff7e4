/**
 * The `peercall` command, run as child processes: help and usage errors, `node` with a service module, `call`
 * (results, JSON args, errors and exit codes), `members`, `top` snapshots, graceful stop on SIGTERM.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import test from 'ava'
import { bar, parseArg, table, toJson } from '../src/cli/format.js'
import { loadServices, servicesOf } from '../src/cli/services.js'
import { CALCULATOR_MODULE, killPeer, runCli, startCliPeer } from './helpers/cli.js'
import type { CliPeer } from './helpers/cli.js'

const impl = { add: (a: number, b: number) => a + b }

test('service modules: one { name, impl, options }, an array, or a map', t => {
  t.deepEqual(servicesOf({ name: 'Calc', impl, options: { idempotent: true } }, 'm').map(s => [s.name, s.options]), [['Calc', { idempotent: true }]])
  t.deepEqual(servicesOf([{ name: 'A', impl }, { name: 'B', impl }], 'm').map(s => s.name), ['A', 'B'])
  t.deepEqual(servicesOf({ A: { impl }, B: { impl, options: { idempotent: ['add'] } } }, 'm').map(s => [s.name, s.options]), [['A', undefined], ['B', { idempotent: ['add'] }]])
  for (const bad of [null, 3, {}, { name: 'X' }, { A: { notImpl: 1 } }, [{ impl }]]) {
    t.throws(() => servicesOf(bad, 'mod.js'), { message: /^mod\.js: / }, JSON.stringify(bad))
  }
})

test('service modules load from a path relative to the working directory, with or without ./', async t => {
  const rel = relative(process.cwd(), CALCULATOR_MODULE)
  t.deepEqual((await loadServices(rel)).map(s => s.name), ['Calculator', 'Echo'])
  t.deepEqual((await loadServices(CALCULATOR_MODULE)).map(s => s.name), ['Calculator', 'Echo'])
  await t.throwsAsync(loadServices('./no-such-module.js'), { message: /^cannot load service module \.\/no-such-module\.js: / })
})

test('formatting: args parse as JSON where they can; values print as JSON; tables align', t => {
  const cases: Array<[string, unknown]> = [['1', 1], ['-2.5', -2.5], ['true', true], ['null', null], ['"1"', '1'], ['[1,2]', [1, 2]], ['{"a":1}', { a: 1 }], ['user-1', 'user-1'], ['', '']]
  for (const [text, value] of cases) t.deepEqual(parseArg(text), value, text)
  t.is(toJson({ n: 10n, b: new Uint8Array([1, 255]), m: new Map([['k', 1]]) }), '{"n":"10","b":"01ff","m":{"k":1}}')
  t.is(bar(5, 10, 10), '█████·····')
  t.is(bar(0, 0, 4), '····')
  t.is(table(['A', 'N'], [['x', '1'], ['yy', '10']]), 'A    N\nx    1\nyy  10')
})

test('--help for the command and each subcommand; usage errors exit 2', async t => {
  t.timeout(60_000)
  const top = await runCli(['--help'])
  t.is(top.code, 0)
  for (const c of ['node', 'call', 'members', 'top']) t.regex(top.stdout, new RegExp(`^  ${c} `, 'm'))
  const helps = await Promise.all(['node', 'call', 'members', 'top'].map(async c => [c, await runCli([c, '--help'])] as const))
  for (const [c, r] of helps) {
    t.is(r.code, 0, c)
    t.regex(r.stdout, new RegExp(`^usage: peercall ${c}`), c)
    t.regex(r.stdout, /--bootstrap/, c)
  }
  const unknown = await runCli(['frobnicate'])
  t.is(unknown.code, 2)
  t.regex(unknown.stderr, /unknown command 'frobnicate'/)
  const noBootstrap = await runCli(['call', 'Calculator.add', '1', '2'], 30_000, { PEERCALL_BOOTSTRAP: '' })
  t.is(noBootstrap.code, 2)
  t.regex(noBootstrap.stderr, /--bootstrap is required/)
  const badTarget = await runCli(['call', 'add', '-b', '/ip4/127.0.0.1/tcp/1'])
  t.is(badTarget.code, 2)
  t.regex(badTarget.stderr, /Service\.method/)
  const badFlag = await runCli(['members', '--frob'])
  t.is(badFlag.code, 2)
  t.regex(badFlag.stderr, /unknown option --frob/)
})

test('node, call, members and top against a cluster of two CLI peers', async t => {
  t.timeout(120_000)
  const peers: CliPeer[] = []
  t.teardown(async () => { await Promise.all(peers.map(async p => { await killPeer(p) })) })
  const a = await startCliPeer(['--profile', 'fast', '--service', CALCULATOR_MODULE, '--http', '0'])
  peers.push(a)
  t.deepEqual(a.multiaddrs.length > 0, true)
  t.regex(a.http ?? '', /^http:\/\/127\.0\.0\.1:\d+$/)
  const b = await startCliPeer(['--profile', 'fast', '--service', CALCULATOR_MODULE, '--bootstrap', a.multiaddrs[0]])
  peers.push(b)
  const join = ['--profile', 'fast', '--bootstrap', a.multiaddrs[0]]

  const sum = await runCli(['call', 'Calculator.add', '1', '2', ...join])
  t.is(sum.code, 0, sum.stderr)
  t.is(sum.stdout, '3\n')
  t.regex(sum.stderr, /joining cluster default/, 'progress on stderr')
  t.regex(sum.stderr, /calling Calculator\.add/)

  const echo = await runCli(['call', 'Echo.echo', '{"a":[1,2],"b":"x"}', ...join, '--json', '--quiet'])
  t.is(echo.code, 0, echo.stderr)
  const echoed = JSON.parse(echo.stdout)
  t.true(echoed.ok)
  t.deepEqual(echoed.result, { a: [1, 2], b: 'x' })
  t.is(echo.stderr, '', '--quiet: no progress')

  const div = await runCli(['call', 'Calculator.divide', '1', '0', ...join, '--json', '--quiet'])
  t.is(div.code, 1)
  const failed = JSON.parse(div.stdout)
  t.false(failed.ok)
  t.is(failed.error.code, 'REMOTE')
  t.is(failed.error.remoteName, 'RangeError')
  t.regex(failed.error.message, /division by zero/)
  t.true([a.peerId, b.peerId].includes(failed.error.peer))

  const missing = await runCli(['call', 'Calculator.nope', ...join, '--quiet'])
  t.is(missing.code, 1)
  t.regex(missing.stderr, /^error: NOT_FOUND: /m)

  const members = await runCli(['members', ...join, '--json', '--quiet'])
  t.is(members.code, 0, members.stderr)
  const list = JSON.parse(members.stdout) as Array<{ peerId: string, state: string, services: string[], incarnation: number }>
  t.deepEqual(list.map(m => m.peerId).sort(), [a.peerId, b.peerId].sort())
  for (const m of list) {
    t.is(m.state, 'alive')
    t.deepEqual(m.services, ['Calculator', 'Echo'])
    t.true(m.incarnation > 0)
  }
  const table = await runCli(['members', ...join, '--quiet'])
  t.is(table.code, 0)
  t.regex(table.stdout, /^PEER\s+STATE\s+INCARNATION/)
  t.true(table.stdout.includes(a.peerId) && table.stdout.includes(b.peerId))

  const top = await runCli(['top', ...join, '--json', '--quiet', '--count', '2', '--interval', '200'])
  t.is(top.code, 0, top.stderr)
  const snaps = top.stdout.trim().split('\n').map(l => JSON.parse(l) as { members: Array<{ peerId: string, load: { inflight: number } }> })
  t.is(snaps.length, 2)
  for (const s of snaps) t.true([a.peerId, b.peerId].every(id => s.members.some(m => m.peerId === id && typeof m.load.inflight === 'number')))
  const plain = await runCli(['top', ...join, '--quiet', '--count', '1'])
  t.is(plain.code, 0)
  t.regex(plain.stdout, /PEER\s+STATE\s+IN FLIGHT\s+LOAD/, 'not a terminal: a snapshot table')
  t.false(plain.stdout.includes('\x1b['), 'no terminal escapes on a pipe')

  // the node's own dashboard and metrics saw the calls it served
  const metrics = await (await fetch(`${a.http ?? ''}/metrics`)).text()
  t.regex(metrics, /peercall_members\{state="alive"/)

  // SIGTERM: a graceful leave, reported, exit 0; the other peer sees it leave
  const exit = new Promise<number | null>(resolve => { b.child.once('exit', c => { resolve(c) }) })
  b.child.kill('SIGTERM')
  t.is(await exit, 0)
  t.true(b.events.some(e => e.event === 'stopped' && e.signal === 'SIGTERM'))
  const deadline = Date.now() + 15_000
  while (!a.events.some(e => e.event === 'member:leave' && e.peerId === b.peerId) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
  t.true(a.events.some(e => e.event === 'member:leave' && e.peerId === b.peerId), `a reports b leaving; a's events about b: ${JSON.stringify(a.events.filter(e => e.peerId === b.peerId).map(e => e.event))}`)
})

test('call fails clearly when the cluster cannot be reached', async t => {
  t.timeout(60_000)
  const r = await runCli(['call', 'Calculator.add', '1', '2', '--bootstrap', '/ip4/127.0.0.1/tcp/9/p2p/12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMq6vGB3u2', '--quiet', '--wait', '2000'], 60_000)
  t.is(r.code, 1)
  t.regex(r.stderr, /could not join: no member of cluster 'default' answered within 2000 ms/)
})

test('private cluster from the command line: cluster-key, id, --cluster-key and --allow', async t => {
  t.timeout(120_000)
  const dir = await mkdtemp(join(tmpdir(), 'peercall-cli-'))
  const peers: CliPeer[] = []
  t.teardown(async () => {
    await Promise.all(peers.map(async p => { await killPeer(p) }))
    await rm(dir, { recursive: true, force: true })
  })
  const key = join(dir, 'cluster.key')
  const made = await runCli(['cluster-key', key])
  t.is(made.code, 0, made.stderr)
  t.regex(await readFile(key, 'utf8'), /^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}/)
  t.is((await stat(key)).mode & 0o777, 0o600)
  const again = await runCli(['cluster-key', key])
  t.is(again.code, 1, 'never overwrites')
  t.regex(again.stderr, /exists/)

  const ids = await Promise.all(['server', 'client', 'stranger'].map(async name => {
    const r = await runCli(['id', join(dir, `${name}.id`), '--json'])
    t.is(r.code, 0, r.stderr)
    return (JSON.parse(r.stdout) as { peerId: string }).peerId
  }))
  const [serverId, clientId] = ids
  t.regex(clientId, /^12D3KooW/)
  t.is((await runCli(['id', join(dir, 'client.id')])).stdout.trim(), clientId, 'the same id from the same file')

  const server = await startCliPeer(['--profile', 'fast', '--service', CALCULATOR_MODULE, '--cluster-key', key, '--identity', join(dir, 'server.id'), '--allow', clientId])
  peers.push(server)
  t.is(server.peerId, serverId)
  const via = ['--profile', 'fast', '--bootstrap', server.multiaddrs[0], '--quiet', '--wait', '3000']
  const ok = await runCli(['call', 'Calculator.add', '2', '3', ...via, '--cluster-key', key, '--identity', join(dir, 'client.id')])
  t.is(ok.code, 0, ok.stderr)
  t.is(ok.stdout, '5\n')
  // both refusals at once: each waits out its bootstrap dial attempts
  const [noKey, stranger] = await Promise.all([
    runCli(['call', 'Calculator.add', '2', '3', ...via, '--identity', join(dir, 'client.id')], 60_000),
    runCli(['call', 'Calculator.add', '2', '3', ...via, '--cluster-key', key, '--identity', join(dir, 'stranger.id')], 60_000)
  ])
  t.is(noKey.code, 1, 'without the cluster key a client cannot join')
  t.regex(noKey.stderr, /could not join/)
  t.is(stranger.code, 1, 'a peer not on the allowlist cannot join')
  t.regex(stranger.stderr, /could not join/)
})
