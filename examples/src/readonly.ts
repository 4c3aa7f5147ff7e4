/**
 * A private cluster with a read-only client: `node examples/dist/src/readonly.js [--dir <state dir>]`.
 *
 * - The cluster key (`cluster.key`) and each peer's identity (`server.key`, `admin.key`, `reader.key`) live in
 *   files in the state directory (a temporary one by default), so restarted peers keep their ids and the key.
 * - The server hosts the example KeyValue service; only the admin may `put` and `delete`
 *   (`authorize: restrictMethods(...)`), anyone in the cluster may `get` and `size`.
 * - The server accepts only the admin and the reader (`allowPeers`), and a peer without the cluster key cannot
 *   connect at all.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createNode, loadOrCreateIdentity, restrictMethods, RpcError, writeClusterKey } from '@peercall/core'
import { KeyValueStore, KV_IDEMPOTENT } from './kv.js'
import type { KeyValue } from './kv.js'
import type { PeercallNode } from '@peercall/core'

const { values } = parseArgs({ options: { dir: { type: 'string' } } })
const dir = values.dir ?? await mkdtemp(join(tmpdir(), 'peercall-readonly-'))
const keyFile = join(dir, 'cluster.key')
await writeClusterKey(keyFile).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'EEXIST') throw err })

const identity = async (name: string): ReturnType<typeof loadOrCreateIdentity> => await loadOrCreateIdentity(join(dir, `${name}.key`))

const nodes: PeercallNode[] = []
try {
  const adminNode = await createNode({ privateKey: await identity('admin'), clusterKey: keyFile })
  const readerNode = await createNode({ privateKey: await identity('reader'), clusterKey: keyFile })
  nodes.push(adminNode, readerNode)
  const admin = adminNode.peerId
  const host = await createNode({ privateKey: await identity('server'), clusterKey: keyFile, allowPeers: [admin, readerNode.peerId] })
  nodes.push(host)
  host.register('KeyValue', new KeyValueStore(), {
    idempotent: KV_IDEMPOTENT,
    authorize: restrictMethods({ put: [admin], delete: [admin] })
  })
  const seed = host.multiaddrs[0]

  const asAdmin = adminNode.service<KeyValue>('KeyValue', { peer: seed, timeoutMs: 3000 })
  const asReader = readerNode.service<KeyValue>('KeyValue', { peer: seed, timeoutMs: 3000 })
  await asAdmin.put('greeting', 'hello')
  console.log(`admin  put('greeting', 'hello')   -> ok`)
  console.log(`reader get('greeting')            -> ${JSON.stringify(await asReader.get('greeting'))}`)
  try {
    await asReader.put('greeting', 'defaced')
    console.log('reader put(...)                   -> ok (unexpected!)')
    process.exitCode = 1
  } catch (err) {
    if (!(err instanceof RpcError)) throw err
    console.log(`reader put('greeting', 'defaced') -> ${err.code} (mayHaveExecuted: ${err.mayHaveExecuted}): ${err.message}`)
  }
  console.log(`reader get('greeting')            -> ${JSON.stringify(await asReader.get('greeting'))} (unchanged)`)

  // a peer without the cluster key cannot even connect
  const outsider = await createNode({})
  nodes.push(outsider)
  try {
    await outsider.call('KeyValue', 'get', ['greeting'], { peer: seed, timeoutMs: 3000 })
    console.log('outsider get(...)                 -> ok (unexpected!)')
    process.exitCode = 1
  } catch (err) {
    if (!(err instanceof RpcError)) throw err
    console.log(`outsider (no cluster key) get(...) -> ${err.code}`)
  }
  console.log(`state (cluster key, identities) in ${dir}`)
} finally {
  await Promise.all(nodes.map(async n => { await n.stop() }))
  if (values.dir === undefined) await rm(dir, { recursive: true, force: true })
}
