/**
 * The dialer over a fake libp2p and a manual clock: retries with backoff until a deadline, then gives up; a target
 * already connected is dropped without a dial; dials in flight are capped; a success ends the target.
 */
import test from 'ava'
import { Dialer } from '../src/dialer.js'
import { backoffDelay } from '../src/backoff.js'

interface FakeDial { addrs: string[], at: number, settle: (ok: boolean, peer?: string) => void }

function fakeLibp2p (): { libp2p: any, dials: FakeDial[], connected: Set<string>, clock: { now: number } } {
  const dials: FakeDial[] = []
  const connected = new Set<string>()
  const clock = { now: 0 }
  const libp2p = {
    getConnections: () => [...connected].map(p => ({ remotePeer: { toString: () => p }, status: 'open' })),
    dial: async (ma: unknown) => await new Promise((resolve, reject) => {
      const addrs = (Array.isArray(ma) ? ma : [ma]).map(String)
      dials.push({
        addrs,
        at: clock.now,
        settle: (ok, peer = 'peer-x') => { if (ok) { connected.add(peer); resolve({ remotePeer: { toString: () => peer } }) } else reject(new Error('refused')) }
      })
    })
  }
  return { libp2p, dials, connected, clock }
}

const settled = async (): Promise<void> => { for (let i = 0; i < 5; i++) await Promise.resolve() }
const opts = (clock: { now: number }): any => ({ backoffBaseMs: 100, backoffMaxMs: 1000, parallel: 2, log: () => {}, now: () => clock.now, random: () => 0.5 })

test('a failing target is retried with growing backoff until its deadline, then dropped', async t => {
  const { libp2p, dials, clock } = fakeLibp2p()
  const d = new Dialer(libp2p, opts(clock))
  d.want('a', ['/ip4/127.0.0.1/tcp/1/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'], 5000, 'a')
  while (clock.now <= 6000) {
    d.tick()
    const last = dials.at(-1)
    if (last !== undefined && d.dialing > 0) { last.settle(false); await settled() }
    clock.now += 10
  }
  const gaps = dials.slice(1).map((x, i) => x.at - dials[i].at)
  t.log(`dials at ${dials.map(x => x.at).join(', ')} ms`)
  // each gap is the backoff of its attempt (jitter fixed at 0.5), rounded up to the 10 ms step of this clock
  gaps.forEach((g, i) => { t.true(g >= backoffDelay(i, 0.5, 100, 1000) && g <= backoffDelay(i, 0.5, 100, 1000) + 10, `gap ${i}: ${g}`) })
  t.true(gaps.at(-1)! > gaps[0] * 4, 'the backoff grows')
  t.true(dials.every(x => x.at <= 5000), 'no dial after the deadline')
  t.true(dials.length >= 6 && dials.length <= 12)
  t.is(d.size, 0, 'dropped at the deadline')
})

test('a target already connected is dropped without a dial; a success ends the target', async t => {
  const { libp2p, dials, connected, clock } = fakeLibp2p()
  const d = new Dialer(libp2p, opts(clock))
  connected.add('b')
  d.want('b', ['/ip4/127.0.0.1/tcp/2'], 10_000, 'b')
  d.tick()
  t.is(dials.length, 0)
  t.false(d.has('b'))
  // a bootstrap address without a peer id: dialled, and done once it connects
  d.want('/ip4/127.0.0.1/tcp/3', ['/ip4/127.0.0.1/tcp/3'], 10_000)
  d.tick()
  t.is(dials.length, 1)
  dials[0].settle(true, 'c')
  await settled()
  t.false(d.has('/ip4/127.0.0.1/tcp/3'))
  t.is(d.dialing, 0)
})

test('at most `parallel` dials in flight; the rest wait their turn; bad addresses are skipped', async t => {
  const { libp2p, dials, clock } = fakeLibp2p()
  const d = new Dialer(libp2p, opts(clock))
  for (const k of ['p', 'q', 'r', 's']) d.want(k, [`/ip4/127.0.0.1/tcp/${k.charCodeAt(0)}`], 10_000, k)
  d.want('bad', ['not a multiaddr'], 10_000, 'bad')
  d.tick()
  t.is(dials.length, 2)
  t.is(d.dialing, 2)
  dials[0].settle(true, 'p')
  dials[1].settle(false)
  await settled()
  d.tick()
  t.is(dials.length, 4, 'two more once two ended')
  t.true(d.has('bad'), 'not looked at while the dials in flight are at the cap')
  // wanting a known target again extends its deadline and replaces its addresses
  d.want('q', ['/ip4/127.0.0.1/tcp/9'], 20_000, 'q')
  clock.now = 15_000
  dials[2].settle(false); dials[3].settle(false)
  await settled()
  d.tick()
  t.true(d.has('q'))
  t.false(d.has('r'))
  t.false(d.has('bad'), 'a target with no valid address is dropped')
  t.deepEqual(dials.at(-1)?.addrs, ['/ip4/127.0.0.1/tcp/9'])
})
