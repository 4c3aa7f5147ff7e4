/**
 * The bundled example peer (scripts/bundle-peer.mjs, run by `npm run build`): the launcher starts it, it loads at
 * start what the peer loaded from the modules and nothing more (the metrics, the dashboard, pnet and mDNS stay in
 * chunks loaded on first use), it carries the patches of patches/, and it serves calls with its typed errors and
 * their names intact.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import test from 'ava'
import { createNode, RpcError } from '@peercall/core'
import { bundleIsCurrent, PEER_BUNDLE_SCRIPT, PEER_SCRIPT, startPeer, stopPeer } from '../src/launcher.js'
import type { PeerProcess } from '../src/launcher.js'

interface Output { imports: Array<{ path: string, kind: string, external?: boolean }>, inputs: Record<string, unknown> }
interface Metafile { outputs: Record<string, Output> }

const ROOT = join(dirname(PEER_BUNDLE_SCRIPT), '../../..')
const meta = JSON.parse(readFileSync(join(dirname(PEER_BUNDLE_SCRIPT), 'meta.json'), 'utf8')) as Metafile

/** The chunks loaded when the bundle starts (its entry and what that imports statically), and the rest. */
function chunks (): { atStart: Set<string>, later: Set<string> } {
  const entry = Object.keys(meta.outputs).find(o => join(ROOT, o) === PEER_BUNDLE_SCRIPT)
  if (entry === undefined) throw new Error('the metafile has no output for the bundle entry')
  const atStart = new Set<string>()
  const todo = [entry]
  while (todo.length > 0) {
    const o = todo.pop()!
    if (atStart.has(o)) continue
    atStart.add(o)
    for (const i of meta.outputs[o].imports) if (i.kind === 'import-statement' && i.external !== true) todo.push(i.path)
  }
  const later = new Set(Object.keys(meta.outputs).filter(o => !o.endsWith('.map') && !atStart.has(o)))
  return { atStart, later }
}

/** Whether any of `outputs` holds an input file whose path contains `part`, or imports the external `part`. */
function holds (outputs: Set<string>, part: string): boolean {
  for (const o of outputs) {
    if (Object.keys(meta.outputs[o].inputs).some(i => i.includes(part))) return true
    if (meta.outputs[o].imports.some(i => i.external === true && i.path === part)) return true
  }
  return false
}

test('the launcher starts the bundle', t => {
  t.is(PEER_SCRIPT, PEER_BUNDLE_SCRIPT)
})

test('a bundle older than a compiled file it was built from is not current; one missing or without its metafile neither', t => {
  const root = mkdtempSync(join(tmpdir(), 'peercall-bundle-'))
  t.teardown(() => { rmSync(root, { recursive: true, force: true }) })
  mkdirSync(join(root, 'src'))
  mkdirSync(join(root, 'bundle'))
  const bundle = join(root, 'bundle/peer.js')
  t.false(bundleIsCurrent(bundle, root), 'no bundle')
  writeFileSync(join(root, 'src/a.js'), '')
  writeFileSync(bundle, '')
  t.false(bundleIsCurrent(bundle, root), 'no metafile')
  writeFileSync(join(root, 'bundle/meta.json'), JSON.stringify({ inputs: { 'src/a.js': {}, 'node_modules/x/gone.js': {} } }))
  const now = Date.now() / 1000
  utimesSync(join(root, 'src/a.js'), now - 60, now - 60)
  utimesSync(bundle, now - 30, now - 30)
  t.true(bundleIsCurrent(bundle, root), 'built after its inputs (dependencies are not looked at)')
  utimesSync(join(root, 'src/a.js'), now, now)
  t.false(bundleIsCurrent(bundle, root), 'an input compiled after the bundle')
})

test('what a peer loads only when an option asks for it stays out of the chunks loaded at start', t => {
  const { atStart, later } = chunks()
  for (const part of ['node_modules/prom-client/', 'packages/core/dist/src/metrics', 'packages/core/dist/src/dashboard',
    'node_modules/@libp2p/pnet/', 'node_modules/@libp2p/mdns/', 'node:http']) {
    t.false(holds(atStart, part), `${part} loaded at start`)
    t.true(holds(later, part), `${part} in a chunk loaded on first use`)
  }
  t.true(holds(atStart, 'node_modules/libp2p/'), 'libp2p is bundled')
  t.true(holds(atStart, 'packages/core/dist/src/index.js'), '@peercall/core is bundled')
})

test('the patches are in the bundle: no chunk sorts with localeCompare', t => {
  for (const o of Object.keys(meta.outputs)) {
    if (o.endsWith('.map')) continue
    t.false(readFileSync(join(ROOT, o), 'utf8').includes('localeCompare'), o)
  }
})

test('a bundled peer serves calls; its errors cross the wire with their code and name', async t => {
  t.timeout(60_000)
  const peer: PeerProcess = await startPeer()
  t.teardown(async () => { await stopPeer(peer, 'SIGKILL') })
  const client = await createNode({ bootstrap: [peer.multiaddrs[0]] })
  t.teardown(async () => { await client.stop() })
  const calc = client.service<{ add(a: number, b: number): Promise<number>, divide(a: number, b: number): Promise<number> }>('Calculator', { peer: peer.peerId, timeoutMs: 5000 })
  t.is(await calc.add(2, 3), 5)
  const remote = await calc.divide(1, 0).then(() => undefined, (e: unknown) => e)
  t.true(remote instanceof RpcError)
  t.like(remote, { code: 'REMOTE', name: 'RangeError', message: 'division by zero', peer: peer.peerId })
  const unknown = await client.call('Calculator', 'power', [2, 3], { peer: peer.peerId, timeoutMs: 5000 }).then(() => undefined, (e: unknown) => e)
  t.true(unknown instanceof RpcError)
  t.is((unknown as RpcError).code, 'NOT_FOUND')
  t.is(await stopPeer(peer, 'SIGTERM'), 0)
})
