/**
 * Using peercall from another project, as README "Use it in your app" says: `npm run pack` makes the three
 * tarballs, an empty project installs them (from the local tarballs and the npm cache, the registry for what the
 * cache lacks), type-checks an app against the packed types, and two processes of that app make a call after
 * `waitForServices`: a server, and a client that starts with only the server's address.
 */
import test from 'ava'
import { execFile, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { ChildProcess } from 'node:child_process'

const run = promisify(execFile)
const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)))
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')

const SERVER = `import { createNode } from '@peercall/core'
const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
node.register('Calculator', { add: (a, b) => a + b }, { idempotent: ['add'] })
process.stdout.write(JSON.stringify({ addr: node.multiaddrs[0] }) + '\\n')
process.on('SIGTERM', () => { void node.stop().then(() => process.exit(0)) })
`

const CLIENT = `import { createNode, RpcError } from '@peercall/core'
import type { PeercallNode } from '@peercall/core'

interface Calculator { add(a: number, b: number): Promise<number> }
const node: PeercallNode = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [process.argv[2]] })
try {
  await node.waitForServices(['Calculator'], { timeoutMs: 20_000 })
  const sum: number = await node.service<Calculator>('Calculator', { timeoutMs: 5000 }).add(1, 2)
  const server = node.members().find(m => !m.self)?.peerId
  process.stdout.write(JSON.stringify({ sum, server }) + '\\n')
} catch (err) {
  process.stdout.write(JSON.stringify({ error: err instanceof RpcError ? err.code : String(err) }) + '\\n')
} finally {
  await node.stop()
}
`

test('packs, installs in an empty project, type-checks, and calls across two processes', async t => {
  t.timeout(240_000)
  const dir = mkdtempSync(join(tmpdir(), 'peercall-app-'))
  const children: ChildProcess[] = []
  t.teardown(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  const packs = join(dir, 'packs')
  const packed = await run(process.execPath, [join(ROOT, 'scripts', 'pack.mjs'), '--out', packs], { cwd: ROOT, timeout: 60_000 })
  const tarballs = readdirSync(packs).filter(f => f.endsWith('.tgz')).sort()
  t.deepEqual(tarballs, ['peercall-balancer-0.1.0.tgz', 'peercall-core-0.1.0.tgz', 'peercall-membership-0.1.0.tgz'], packed.stdout)

  const app = join(dir, 'app')
  mkdirSync(app)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }))
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs.map(f => join(packs, f))], { cwd: app, timeout: 150_000 })
  const core = JSON.parse(readFileSync(join(app, 'node_modules', '@peercall', 'core', 'package.json'), 'utf8'))
  t.is(core.scripts, undefined, 'no install-time build')
  t.deepEqual(core.engines, { node: '>=22' })
  t.is(core.exports['.'].types, './dist/src/index.d.ts')

  writeFileSync(join(app, 'server.mjs'), SERVER)
  writeFileSync(join(app, 'client.ts'), CLIENT)
  await run(process.execPath, [TSC, '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', 'false', 'client.ts'], { cwd: app, timeout: 60_000 })
  const help = await run(process.execPath, [join(app, 'node_modules', '.bin', 'peercall'), '--help'], { cwd: app, timeout: 20_000 })
  t.regex(help.stdout, /usage: peercall <command>/)

  const server = spawn(process.execPath, ['server.mjs'], { cwd: app, stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(server)
  const addr = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error('the server did not print its address in 30 s')) }, 30_000)
    server.once('exit', code => { clearTimeout(timer); reject(new Error(`the server exited with ${String(code)}`)) })
    createInterface({ input: server.stdout }).once('line', line => { clearTimeout(timer); resolve(JSON.parse(line).addr) })
  })
  const client = await run(process.execPath, ['client.js', addr], { cwd: app, timeout: 60_000 })
  const answer = JSON.parse(client.stdout.trim())
  t.is(answer.sum, 3, client.stdout)
  t.is(answer.server, addr.slice(addr.lastIndexOf('/p2p/') + 5))
  server.kill('SIGTERM')
  t.is(await new Promise(resolve => { server.once('exit', code => { resolve(code) }) }), 0, 'the server stops gracefully')
})
