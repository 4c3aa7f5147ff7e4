import test from 'ava'
import { converged, startCluster, stateOf, waitFor } from './helpers/cluster.js'

test('three peers join and converge; records carry services and load', async t => {
  t.timeout(30_000)
  const c = await startCluster(3, { services: ['Calculator'] })
  try {
    const ms = await waitFor(() => converged(c.peers), 10_000, 'convergence')
    t.log(`converged in ${ms.toFixed(0)} ms`)
    const view = c.peers[1].membership.members()
    t.is(view.length, 3)
    const other = view.find(m => m.peerId === c.peers[2].id)
    t.deepEqual(other?.services, ['Calculator'])
    t.true((other?.addrs.length ?? 0) > 0)
    t.true(other!.addrs.every(a => a.endsWith(`/p2p/${c.peers[2].id}`) && a.split('/p2p/').length === 2))
    t.true(view.find(m => m.self)?.peerId === c.peers[1].id)
    // a service change reaches the others
    c.peers[2].membership.setServices(['Calculator', 'KV'])
    await waitFor(() => c.peers[0].membership.members().find(m => m.peerId === c.peers[2].id)?.services.includes('KV') === true, 5000, 'service update')
    t.pass()
  } finally {
    await c.stopAll()
  }
})

test('graceful leave takes effect at once everywhere', async t => {
  t.timeout(30_000)
  const c = await startCluster(4)
  try {
    await waitFor(() => converged(c.peers), 10_000, 'convergence')
    const leaver = c.peers[3]
    const leaves: number[] = []
    const t0 = performance.now()
    for (const p of c.peers.slice(0, 3)) {
      p.membership.addEventListener('member:leave', e => { if (e.detail.peerId === leaver.id) leaves.push(performance.now() - t0) })
    }
    await leaver.membership.stop()
    await leaver.libp2p.stop()
    await waitFor(() => c.peers.slice(0, 3).every(p => stateOf(p, leaver.id) === 'left'), 2000, 'left everywhere')
    t.is(leaves.length, 3)
    t.log(`leave seen by all in ${Math.max(...leaves).toFixed(0)} ms`)
    // never reported dead afterwards
    t.true(c.peers.slice(0, 3).every(p => stateOf(p, leaver.id) === 'left'))
  } finally {
    await c.stopAll()
  }
})
