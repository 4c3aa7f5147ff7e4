/**
 * One side of the stack benchmark, as its own process: `server <kind>` echoes, `client <kind> <address>` sends
 * a 26-byte message and waits for its echo, one at a time, when told. Kinds: `net` (a node:net socket),
 * `libp2p` (a stream on tcp + noise + yamux, libp2p defaults otherwise) and `peercall` (a pinned
 * `call('Echo', 'echo', [16-character string], { peer })` between two peercall nodes). Commands arrive as JSON lines on stdin:
 * `{"run": ms}` (client: round trips for ms, answers `ran`), `{"promises": n}` (client: n round trips counting
 * promises created, answers `promiseCount`), `{"count": true|false}` (server: start counting promises, then
 * answer `serverPromises`).
 */
import { createHook } from 'node:async_hooks'
import { once } from 'node:events'
import * as net from 'node:net'
import { createInterface } from 'node:readline'
import { multiaddr } from '@multiformats/multiaddr'
import { pushable } from 'it-pushable'
import { emit, exitWithParent } from '../harness/child.js'
import { createNode } from '@peercall/core'
import { createBareNode } from '../targets/libp2p-stack.js'

const PROTOCOL = '/peercall-bench/stack-echo/1.0.0'
/** The message of a lone round trip: 26 bytes, the size of a small request on the wire. */
export const MESSAGE_BYTES = 26

let promises = 0
const hook = createHook({ init (_id, type) { if (type === 'PROMISE') promises++ } })

type RoundTrip = () => Promise<void>

async function serveNet (): Promise<{ address: string, close: () => Promise<void> }> {
  const server = net.createServer(sock => {
    sock.setNoDelay(true)
    sock.on('data', d => sock.write(d))
    sock.on('error', () => sock.destroy())
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  return { address: String(port), close: async () => { server.close() } }
}

async function serveLibp2p (): Promise<{ address: string, close: () => Promise<void> }> {
  const node = await createBareNode()
  await node.handle(PROTOCOL, ({ stream }) => {
    stream.sink(stream.source).catch(() => { stream.abort(new Error('echo failed')) })
  })
  return { address: node.getMultiaddrs()[0].toString(), close: async () => { await node.stop() } }
}

async function servePeercall (): Promise<{ address: string, close: () => Promise<void> }> {
  const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [] })
  node.register('Echo', { echo: (payload: string) => payload })
  return { address: node.multiaddrs[0], close: async () => { await node.stop() } }
}

async function connectPeercall (address: string): Promise<{ roundTrip: RoundTrip, close: () => Promise<void> }> {
  const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [address] })
  const opts = { peer: multiaddr(address).getPeerId() ?? '', timeoutMs: 5000 }
  const payload = 'a'.repeat(16)
  const roundTrip = async (): Promise<void> => { await node.call('Echo', 'echo', [payload], opts) }
  return { roundTrip, close: async () => { await node.stop() } }
}

async function connectNet (address: string, message: Uint8Array): Promise<{ roundTrip: RoundTrip, close: () => Promise<void> }> {
  const sock = net.connect(Number(address), '127.0.0.1')
  sock.setNoDelay(true)
  await once(sock, 'connect')
  let got = 0
  let wake: (() => void) | undefined
  sock.on('data', d => { got += d.byteLength; if (got >= message.byteLength) wake?.() })
  const roundTrip = async (): Promise<void> => {
    got = 0
    const done = new Promise<void>(resolve => { wake = resolve })
    sock.write(message)
    await done
  }
  return { roundTrip, close: async () => { sock.destroy() } }
}

async function connectLibp2p (address: string, message: Uint8Array): Promise<{ roundTrip: RoundTrip, close: () => Promise<void> }> {
  const node = await createBareNode()
  const stream = await node.dialProtocol(multiaddr(address), PROTOCOL)
  const out = pushable<Uint8Array>()
  stream.sink(out).catch(() => {})
  const replies = stream.source[Symbol.asyncIterator]()
  const roundTrip = async (): Promise<void> => {
    out.push(message)
    let got = 0
    while (got < message.byteLength) {
      const next = await replies.next()
      if (next.done === true) throw new Error('stream ended')
      got += next.value.byteLength
    }
  }
  return { roundTrip, close: async () => { out.end(); await node.stop() } }
}

async function main (): Promise<void> {
  const [role, kind, address] = process.argv.slice(2)
  const lines = createInterface({ input: process.stdin })
  if (role === 'server') {
    const server = kind === 'net' ? await serveNet() : kind === 'peercall' ? await servePeercall() : await serveLibp2p()
    exitWithParent(server.close)
    lines.on('line', line => {
      const cmd = JSON.parse(line) as { count?: boolean }
      if (cmd.count === true) { promises = 0; hook.enable() }
      if (cmd.count === false) { hook.disable(); emit({ serverPromises: promises }) }
    })
    emit({ address: server.address })
    return
  }
  const message = new Uint8Array(MESSAGE_BYTES).fill(97)
  const client = kind === 'net' ? await connectNet(address, message) : kind === 'peercall' ? await connectPeercall(address) : await connectLibp2p(address, message)
  exitWithParent(client.close)
  let queue = Promise.resolve()
  lines.on('line', line => {
    const cmd = JSON.parse(line) as { run?: number, promises?: number }
    queue = queue.then(async () => {
      if (cmd.run !== undefined) {
        const cpu0 = process.cpuUsage()
        const t0 = performance.now()
        let count = 0
        while (performance.now() - t0 < cmd.run) { await client.roundTrip(); count++ }
        const ms = performance.now() - t0
        const cpu = process.cpuUsage(cpu0)
        emit({ ran: { count, ms, cpuUs: cpu.user + cpu.system } })
      }
      if (cmd.promises !== undefined) {
        promises = 0
        hook.enable()
        for (let i = 0; i < cmd.promises; i++) await client.roundTrip()
        hook.disable()
        emit({ promiseCount: promises })
      }
    })
  })
  for (let i = 0; i < 2000; i++) await client.roundTrip()
  emit({ ready: true })
}

main().catch(err => { console.error(err); process.exit(1) })
