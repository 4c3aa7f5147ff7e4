/**
 * The example peer's contract, from outside, as real processes: `npm run peer -- --listen <multiaddr>
 * [--bootstrap <multiaddr>]...` prints one `listening` JSON line, serves Calculator, and leaves gracefully on
 * SIGINT/SIGTERM.
 */
import test from 'ava'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { createNode, RpcError } from '@peercall/core'
import { startPeer, stopPeer } from '@peercall/examples/launcher'
import type { PeerProcess } from '@peercall/examples/launcher'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

test('npm run peer prints its listening line and exits 0 on SIGTERM', async t => {
  t.timeout(90_000)
  const child = spawn('npm', ['run', '--silent', 'peer', '--', '--listen', '/ip4/127.0.0.1/tcp/0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], detached: true })
  // npm runs the peer in a child: kill the whole process group if anything is left
  t.teardown(() => { try { process.kill(-child.pid!, 'SIGKILL') } catch { /* already gone */ } })
  const lines: Array<Record<string, unknown>> = []
  const rl = createInterface({ input: child.stdout })
  const listening = new Promise<Record<string, unknown>>((resolve, reject) => {
    rl.on('line', line => {
      try {
        const msg = JSON.parse(line) as Record<string, unknown>
        lines.push(msg)
        if (msg.event === 'listening') resolve(msg)
      } catch { /* npm's own lines */ }
    })
    child.once('exit', code => { reject(new Error(`exited ${String(code)} before listening`)) })
  })
  const msg = await listening
  t.regex(msg.peerId as string, /^12D3KooW/)
  t.true((msg.multiaddrs as string[]).length > 0)
  t.true((msg.multiaddrs as string[]).every(a => a.startsWith('/ip4/127.0.0.1/tcp/') && a.endsWith(`/p2p/${msg.peerId as string}`)))
  const exit = new Promise<number | null>(resolve => child.once('exit', code => { resolve(code) }))
  child.kill('SIGTERM')
  t.is(await exit, 0)
  t.true(lines.some(l => l.event === 'stopped'))
})

test('the seed Calculator runs between two example peer processes', async t => {
  t.timeout(90_000)
  const peers: PeerProcess[] = []
  t.teardown(async () => { await Promise.all(peers.map(async p => await stopPeer(p, 'SIGKILL'))) })
  const a = await startPeer()
  peers.push(a)
  const b = await startPeer({ bootstrap: [a.multiaddrs[0]] })
  peers.push(b)
  const client = await createNode({ bootstrap: [a.multiaddrs[0], b.multiaddrs[0]] })
  t.teardown(async () => { await client.stop() })
  for (const p of [a, b]) {
    const calc = client.service<{ add(a: number, b: number): Promise<number>, subtract(a: number, b: number): Promise<number>, multiply(a: number, b: number): Promise<number>, divide(a: number, b: number): Promise<number> }>('Calculator', { peer: p.peerId, timeoutMs: 5000 })
    t.is(await calc.add(1, 2), 3)
    t.is(await calc.subtract(1, 2), -1)
    t.is(await calc.multiply(3, 4), 12)
    t.is(await calc.divide(1, 4), 0.25)
    const err = await calc.divide(1, 0).then(() => undefined, (e: unknown) => e)
    t.true(err instanceof RpcError)
    t.is((err as RpcError).code, 'REMOTE')
    t.is((err as RpcError).name, 'RangeError')
    t.is((err as RpcError).message, 'division by zero')
    t.is((err as RpcError).peer, p.peerId)
  }
  // the key-value service too
  await client.call('KeyValue', 'put', ['k', { v: 1 }], { peer: b.peerId })
  t.deepEqual(await client.call('KeyValue', 'get', ['k'], { peer: b.peerId }), { v: 1 })
  // graceful stop of both peers: exit code 0
  t.is(await stopPeer(b, 'SIGINT'), 0)
  t.is(await stopPeer(a, 'SIGTERM'), 0)
})
