/**
 * The bundled example peer (scripts/bundle-peer.mjs, run by `npm run build`): the launcher starts it, it loads at
 * start what the peer loaded from the modules and nothing more (the metrics, the dashboard, pnet and mDNS stay in
 * chunks loaded on first use), it carries the patches of patches/, and it serves calls with its typed errors and
 * their names intact.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
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

test('a bundle older than a compiled file it was built from, the bundle script or the last install is not current; one missing or without its metafile neither', t => {
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
  utimesSync(join(root, 'src/a.js'), now - 60, now - 60)
  mkdirSync(join(root, 'scripts'))
  writeFileSync(join(root, 'scripts/bundle-peer.mjs'), '')
  t.false(bundleIsCurrent(bundle, root), 'the bundle script changed after the bundle')
  utimesSync(join(root, 'scripts/bundle-peer.mjs'), now - 60, now - 60)
  mkdirSync(join(root, 'node_modules'))
  writeFileSync(join(root, 'node_modules/.package-lock.json'), '')
  t.false(bundleIsCurrent(bundle, root), 'an install after the bundle')
  utimesSync(join(root, 'node_modules/.package-lock.json'), now - 60, now - 60)
  t.true(bundleIsCurrent(bundle, root))
})

test('what a peer loads only when an option asks for it stays out of the chunks loaded at start', t => {
  const { atStart, later } = chunks()
  for (const part of ['node_modules/prom-client/', 'packages/core/dist/src/metrics', 'packages/core/dist/src/dashboard',
    'node_modules/@libp2p/pnet/', 'node_modules/@libp2p/mdns/', 'node:http', 'http']) {
    t.false(holds(atStart, part), `${part} loaded at start`)
    if (part !== 'http') t.true(holds(later, part), `${part} in a chunk loaded on first use`)
  }
  t.true(holds(atStart, 'node_modules/libp2p/'), 'libp2p is bundled')
  t.true(holds(atStart, 'packages/core/dist/src/index.js'), '@peercall/core is bundled')
})

/** The text of every JavaScript chunk of the bundle. */
function chunkTexts (): Array<[string, string]> {
  return Object.keys(meta.outputs).filter(o => !o.endsWith('.map')).map(o => [o, readFileSync(join(ROOT, o), 'utf8')])
}

test('the patched modules are in the bundle, as patched: no chunk sorts with localeCompare', t => {
  const inputs = Object.keys(meta.outputs).flatMap(o => Object.keys(meta.outputs[o].inputs))
  for (const patched of ['node_modules/@libp2p/peer-store/', 'node_modules/@libp2p/utils/', 'node_modules/@chainsafe/libp2p-yamux/',
    'node_modules/@chainsafe/libp2p-noise/', 'node_modules/it-byte-stream/']) {
    t.true(inputs.some(i => i.includes(patched)), `${patched} bundled`)
  }
  for (const [o, text] of chunkTexts()) t.false(text.includes('localeCompare'), o)
})

test('nothing in the bundle looks for files beside its own module, and native addons load from node_modules', t => {
  // a bundled CommonJS module that reads __dirname throws in an ES module (msgpackr would fall back to its
  // JavaScript decoder without a word); names are kept for stack traces and errors (esbuild's keepNames)
  for (const [o, text] of chunkTexts()) t.false(/\b__dirname\b/.test(text), `${o} uses __dirname`)
  t.true(Object.values(meta.outputs).some(out => out.imports.some(i => i.external === true && i.path === 'msgpackr-extract')))
  t.true(chunkTexts().some(([, text]) => text.includes('__name(')), 'names kept')
})

test('msgpackr\'s native decoder resolves from the bundle\'s chunks, as the bundle requires it', t => {
  const chunk = Object.keys(meta.outputs).find(o => Object.keys(meta.outputs[o].inputs).some(i => i.includes('node_modules/msgpackr/')))
  t.truthy(chunk, 'msgpackr bundled')
  const extract = createRequire(join(ROOT, chunk!))('msgpackr-extract') as { extractStrings?: unknown }
  t.is(typeof extract.extractStrings, 'function')
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
