/**
 * The modules a node needs only for an option (prom-client, @libp2p/pnet, @libp2p/mdns, the dashboard and
 * node:http) are loaded when the option is used, not when @peercall/core is imported: an idle peer without them
 * is smaller (docs/performance.md, "Memory of an idle peer"). Each case runs in a fresh process.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import test from 'ava'
import { preSharedKey } from '@libp2p/pnet'
import { CLUSTER_KEY_BYTES, generateClusterKey } from '../src/security/cluster-key.js'

const FIXTURE = fileURLToPath(new URL('./fixtures/loaded-modules.js', import.meta.url))

async function loadedAfter (mode: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [FIXTURE, mode], { timeout: 60_000 })
  return (JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { loaded: string[] }).loaded
}

test('importing @peercall/core loads none of the optional modules', async t => {
  t.timeout(70_000)
  t.deepEqual(await loadedAfter('import'), [])
})

test('a node with metrics loads prom-client and metrics, not the dashboard', async t => {
  t.timeout(70_000)
  const loaded = await loadedAfter('metrics')
  t.true(loaded.includes('prom-client'))
  t.true(loaded.includes('metrics'))
  t.false(loaded.includes('dashboard'))
  t.false(loaded.includes('@libp2p/pnet'))
})

test('a node with the dashboard loads it, and metrics', async t => {
  t.timeout(70_000)
  const loaded = await loadedAfter('http')
  t.true(loaded.includes('dashboard'))
  t.true(loaded.includes('node:http'))
  t.true(loaded.includes('prom-client'))
})

test('a node with a cluster key loads @libp2p/pnet', async t => {
  t.timeout(70_000)
  t.deepEqual(await loadedAfter('cluster-key'), ['@libp2p/pnet'])
})

test('building mDNS\'s service loads @libp2p/mdns', async t => {
  t.timeout(70_000)
  t.deepEqual(await loadedAfter('mdns'), ['@libp2p/mdns'])
})

test('generateClusterKey writes the swarm key that @libp2p/pnet reads', t => {
  const key = generateClusterKey()
  t.is(key.length, CLUSTER_KEY_BYTES)
  const log = Object.assign(() => {}, { error: () => {}, trace: () => {} })
  // pnet's protector decodes the key when built, and throws on a malformed one
  const protector = preSharedKey({ psk: key })({ logger: { forComponent: () => log } } as never) as unknown as { psk: Uint8Array }
  t.is(protector.psk.length, 32)
  t.throws(() => preSharedKey({ psk: key.subarray(0, 60) })({ logger: { forComponent: () => log } } as never))
  t.not(new TextDecoder().decode(generateClusterKey()), new TextDecoder().decode(key))
})
