/**
 * The dashboard's server and state: the ring picture (pure), the page, the JSON snapshot, server-sent events
 * pushed on membership changes, and the HTTP edges (404, 405). The browser test is dashboard-browser.test.ts.
 */
import test from 'ava'
import { createNode } from '../src/index.js'
import { ringPicture, RING_SEGMENTS } from '../src/dashboard/ring.js'
import { waitFor } from './helpers/wait.js'
import type { CallRecord, NodeOptions, PeercallNode } from '../src/index.js'
import { DashboardState, EVENT_HISTORY, MAX_METHOD_ROWS, RATE_HISTORY } from '../src/dashboard/state.js'
import type { Snapshot } from '../src/dashboard/state.js'
import type { Node } from '../src/node.js'

const FAST: NodeOptions = { membership: { profile: 'fast' } }

test('ring picture: every arc has an owner, shares add up to 1 and are near 1/N, a pure function of the set', t => {
  t.deepEqual(ringPicture([]), { peers: [], owners: [], shares: {} })
  const one = ringPicture(['A'])
  t.deepEqual(one.shares, { A: 1 })
  t.true(one.owners.every(o => o === 0))
  for (const n of [2, 3, 5, 8]) {
    const peers = Array.from({ length: n }, (_v, i) => `12D3KooWpeer${i}`)
    const pic = ringPicture(peers)
    t.is(pic.owners.length, RING_SEGMENTS)
    t.true(pic.owners.every(o => o >= 0 && o < n))
    const total = Object.values(pic.shares).reduce((a, b) => a + b, 0)
    t.true(Math.abs(total - 1) < 1e-9, `shares of ${n} add to 1`)
    // 2048 virtual nodes: each share within 25% of 1/N
    for (const s of Object.values(pic.shares)) t.true(Math.abs(s * n - 1) < 0.25, `${n} peers: share ${s}`)
    t.deepEqual(ringPicture([...peers].reverse()), pic, 'order of the set does not matter')
  }
})

async function firstEvent (url: string, accept: (s: Snapshot) => boolean, timeoutMs: number): Promise<Snapshot> {
  const ac = new AbortController()
  const timer = setTimeout(() => { ac.abort() }, timeoutMs)
  try {
    const res = await fetch(url, { signal: ac.signal })
    if (res.headers.get('content-type') !== 'text/event-stream') throw new Error('not an event stream')
    const decoder = new TextDecoder()
    let buf = ''
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true })
      let end: number
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end)
        buf = buf.slice(end + 2)
        const data = block.split('\n').find(l => l.startsWith('data: '))
        if (data === undefined) continue
        const snap = JSON.parse(data.slice(6)) as Snapshot
        if (accept(snap)) return snap
      }
    }
    throw new Error('stream ended')
  } finally {
    clearTimeout(timer)
    ac.abort()
  }
}

test('the page, the JSON snapshot and server-sent events of a three-peer cluster', async t => {
  t.timeout(90_000)
  const d = await createNode({ ...FAST, http: { port: 0 } })
  const nodes: PeercallNode[] = [d]
  t.teardown(async () => { await Promise.all(nodes.map(async n => { await n.stop().catch(() => {}) })) })
  for (let i = 0; i < 2; i++) {
    const n = await createNode({ ...FAST, bootstrap: [d.multiaddrs[0]] })
    n.register('Calculator', { add: (a: number, b: number) => a + b, divide: (a: number, b: number) => { if (b === 0) throw new RangeError('by zero'); return a / b } }, { idempotent: true })
    nodes.push(n)
  }
  await waitFor(() => d.members().filter(m => m.state === 'alive' && m.services.includes('Calculator')).length === 2, 15_000, 'two hosts')
  const url = d.httpUrl as string

  const page = await fetch(url + '/')
  t.is(page.status, 200)
  t.regex(page.headers.get('content-type') ?? '', /^text\/html/)
  const html = await page.text()
  t.regex(html, /<title>peercall dashboard<\/title>/)
  t.regex(html, /new EventSource\('events'\)/)
  t.notRegex(html, /<script[^>]+src=|<link[^>]+href=|https?:\/\//, 'self-contained: no external resources')

  for (let i = 0; i < 20; i++) await d.call('Calculator', 'add', [i, 1])
  await t.throwsAsync(d.call('Calculator', 'divide', [1, 0]))

  const state = await (await fetch(url + '/api/state')).json() as Snapshot
  t.is(state.self, d.peerId)
  t.is(state.cluster, 'default')
  t.deepEqual(state.members.map(m => m.peerId).sort(), nodes.map(n => n.peerId).sort())
  t.true(state.members.every(m => m.state === 'alive' && m.incarnation > 0))
  t.deepEqual(state.rings.Calculator.peers, nodes.slice(1).map(n => n.peerId).sort())
  t.is(state.codes.OK, 20)
  t.is(state.codes.REMOTE, 1)
  t.deepEqual(state.methods['Calculator.add'], { calls: 20, errors: 0 })
  t.true(state.events.filter(e => e.type === 'join').length >= 2)

  // the stream opens with a snapshot, then pushes one when a member leaves (before the next tick would)
  const first = await firstEvent(url + '/events', () => true, 10_000)
  t.is(first.members.length, 3)
  const leaving = nodes[2]
  const pushed = firstEvent(url + '/events', s => s.members.some(m => m.peerId === leaving.peerId && m.state === 'left'), 20_000)
  await leaving.stop()
  const after = await pushed
  t.true(after.events.some(e => e.type === 'leave' && e.peerId === leaving.peerId))
  t.deepEqual(Object.keys(after.rings), ['Calculator'])
  t.deepEqual(after.rings.Calculator.peers, [nodes[1].peerId], 'the ring drops the member that left')

  t.is((await fetch(url + '/nope')).status, 404)
  t.is((await fetch(url + '/', { method: 'POST' })).status, 405)
})

test('dashboard state: rates per tick, codes, bounded event and method tables', t => {
  let observer: ((r: CallRecord) => void) | undefined
  const target = new EventTarget()
  const fake = Object.assign(target, {
    peerId: 'self',
    cluster: 'c',
    observeCalls: (fn: (r: CallRecord) => void) => { observer = fn; return () => { observer = undefined } },
    members: () => [],
    stats: () => ({ calls: 0, failures: 0, retries: 0, hedges: 0, inflight: 0, served: 0, servedLatencyMs: 0, dedupHits: 0, peers: 0 })
  })
  const state = new DashboardState(fake as unknown as Node)
  const rec = (side: 'client' | 'server', method: string, code: string): void => { observer?.({ side, service: 'S', method, code, durationMs: 1 }) }
  for (let i = 0; i < 30; i++) rec('client', 'a', i % 10 === 0 ? 'REMOTE' : 'OK')
  for (let i = 0; i < 5; i++) rec('server', 'a', 'OK')
  rec('client', 'zz', 'NOT_FOUND')
  state.tick()
  let snap = state.snapshot()
  t.deepEqual(snap.codes, { OK: 27, REMOTE: 3, NOT_FOUND: 1 })
  t.deepEqual(snap.servedCodes, { OK: 5 })
  t.deepEqual(snap.methods['S.a'], { calls: 30, errors: 3 })
  t.deepEqual(snap.methods['(not found)'], { calls: 1, errors: 1 })
  t.is(snap.rates.length, 1)
  t.true(snap.rates[0].calls > 0 && snap.rates[0].errors > 0 && snap.rates[0].served > 0)
  for (let i = 0; i < RATE_HISTORY + 5; i++) state.tick()
  t.is(state.snapshot().rates.length, RATE_HISTORY)
  t.is(state.snapshot().rates.at(-1)?.calls, 0, 'an idle tick has no calls')

  for (let i = 0; i < MAX_METHOD_ROWS + 10; i++) rec('client', `m${i}`, 'OK')
  snap = state.snapshot()
  t.is(Object.keys(snap.methods).length, MAX_METHOD_ROWS + 1, 'bounded, plus one (other) row')
  t.true((snap.methods['(other)']?.calls ?? 0) > 0)

  for (let i = 0; i < EVENT_HISTORY + 7; i++) target.dispatchEvent(new CustomEvent(i % 2 === 0 ? 'member:join' : 'member:suspect', { detail: { peerId: `p${i}`, incarnation: i } }))
  target.dispatchEvent(new CustomEvent('member:update', { detail: { peerId: 'u', incarnation: 1 } }))
  snap = state.snapshot()
  t.is(snap.events.length, EVENT_HISTORY)
  t.is(snap.events.at(-1)?.peerId, `p${EVENT_HISTORY + 6}`, 'newest kept; updates are not events')
  state.close()
  t.is(observer, undefined, 'close detaches from the node')
})
