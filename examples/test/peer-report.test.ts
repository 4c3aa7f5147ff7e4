/**
 * The example peer tells its operator that it joined and each membership change, one JSON line each, and says
 * nothing of the kind with --quiet; a port in use is one line.
 */
import { spawnSync } from 'node:child_process'
import { createServer } from 'node:net'
import test from 'ava'
import { PEER_SCRIPT, startPeer, stopPeer } from '../src/launcher.js'
import type { AddressInfo } from 'node:net'
import type { PeerProcess } from '../src/launcher.js'

async function until (cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}

test('joined once, then one line per membership change; --quiet prints neither', async t => {
  t.timeout(60_000)
  const peers: PeerProcess[] = []
  t.teardown(async () => { await Promise.all(peers.map(async p => await stopPeer(p, 'SIGKILL'))) })
  const first = await startPeer({ profile: 'fast', report: true })
  peers.push(first)
  await until(() => first.events.some(e => e.event === 'joined'), 10_000, 'the first peer to say it joined')
  t.like(first.events.find(e => e.event === 'joined'), { event: 'joined', cluster: 'default', members: 1, alive: 1 })
  const second = await startPeer({ profile: 'fast', report: true, bootstrap: [first.multiaddrs[0]] })
  peers.push(second)
  const quiet = await startPeer({ profile: 'fast', bootstrap: [first.multiaddrs[0]] })
  peers.push(quiet)
  await until(() => second.events.some(e => e.event === 'joined'), 20_000, 'the second peer to say it joined')
  t.true((second.events.find(e => e.event === 'joined')?.alive as number) >= 2)
  await until(() => first.events.filter(e => e.event === 'member' && e.change === 'join').length === 2, 20_000, 'the first peer to report two joins')
  const joinLine = first.events.find(e => e.event === 'member' && e.peerId === second.peerId)
  t.like(joinLine, { change: 'join' })
  t.true(Array.isArray(joinLine?.services) && typeof joinLine?.incarnation === 'number')
  t.is(await stopPeer(second, 'SIGTERM'), 0)
  await until(() => first.events.some(e => e.event === 'member' && e.change === 'leave' && e.peerId === second.peerId), 20_000, 'the leave reported')
  t.is(first.events.filter(e => e.event === 'joined').length, 1, 'joined is said once')
  t.deepEqual(quiet.events.filter(e => e.event === 'joined' || e.event === 'member'), [], '--quiet')
})

test('a port in use: one line saying so, exit 1', async t => {
  t.timeout(30_000)
  const server = createServer()
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  t.teardown(() => { server.close() })
  const port = (server.address() as AddressInfo).port
  const r = spawnSync(process.execPath, [PEER_SCRIPT, '--listen', `/ip4/127.0.0.1/tcp/${port}`], { encoding: 'utf8', timeout: 20_000 })
  t.is(r.status, 1)
  t.is(r.stdout, '')
  t.is(r.stderr, `peer: cannot listen on /ip4/127.0.0.1/tcp/${port}: the port is in use (another peer, or an earlier one still stopping?): choose another port, or port 0 for any free one\n`)
})
