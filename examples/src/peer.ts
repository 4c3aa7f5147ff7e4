/**
 * The example peer (`npm run peer -- --listen <multiaddr> [--bootstrap <multiaddr>]...`): hosts Calculator and the
 * key-value service, prints one JSON line `{"event":"listening","peerId":...,"multiaddrs":[...]}` to stdout, and
 * runs until SIGINT/SIGTERM, on which it leaves the cluster gracefully.
 */
import { parseArgs } from 'node:util'
import { createNode } from '@peercall/core'
import { calculator, CALCULATOR_IDEMPOTENT } from './calculator.js'
import { KeyValueStore, KV_IDEMPOTENT } from './kv.js'

const { values } = parseArgs({
  options: {
    listen: { type: 'string', multiple: true },
    bootstrap: { type: 'string', multiple: true },
    cluster: { type: 'string' },
    help: { type: 'boolean', short: 'h' }
  },
  allowPositionals: false
})

if (values.help === true) {
  process.stdout.write('usage: npm run peer -- [--listen <multiaddr>]... [--bootstrap <multiaddr>]... [--cluster <name>]\n')
  process.exit(0)
}

const node = await createNode({
  listen: values.listen ?? ['/ip4/127.0.0.1/tcp/0'],
  bootstrap: values.bootstrap ?? [],
  cluster: values.cluster
})
node.register('Calculator', calculator, { idempotent: CALCULATOR_IDEMPOTENT })
node.register('KeyValue', new KeyValueStore(), { idempotent: KV_IDEMPOTENT })

process.stdout.write(JSON.stringify({ event: 'listening', peerId: node.peerId, multiaddrs: node.multiaddrs }) + '\n')

let stopping = false
async function shutdown (signal: string): Promise<void> {
  if (stopping) return
  stopping = true
  const timer = setTimeout(() => { process.exit(1) }, 10_000)
  timer.unref()
  await node.stop()
  process.stdout.write(JSON.stringify({ event: 'stopped', peerId: node.peerId, signal }) + '\n')
  process.exit(0)
}
process.on('SIGINT', () => { void shutdown('SIGINT') })
process.on('SIGTERM', () => { void shutdown('SIGTERM') })
