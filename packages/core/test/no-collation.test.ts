/**
 * The patches to @libp2p/peer-store and @libp2p/utils (patches/README.md): two peers that connect, identify each
 * other and store each other's addresses, protocols and metadata never call `String.prototype.localeCompare`, whose
 * first call loads ICU's collation data (about 3 MB resident in every peer); the stored lists are in code-unit order.
 * Unpatched, the peer store sorts every record it writes with `localeCompare`.
 */
import test from 'ava'
import { arrayEquals } from '@libp2p/utils/array-equals'
import { multiaddr } from '@multiformats/multiaddr'
import { createPeerLibp2p } from '../src/libp2p.js'

/** Longest wait for identify to fill the peer store, ms. */
const IDENTIFY_WAIT_MS = 10_000

test('storing peers never calls localeCompare; the stored lists are in code-unit order', async t => {
  t.timeout(30_000)
  let calls = 0
  const original = String.prototype.localeCompare
  // eslint-disable-next-line no-extend-native
  String.prototype.localeCompare = function (this: string, ...args: Parameters<typeof original>) {
    calls++
    return original.apply(this, args)
  }
  const a = await createPeerLibp2p({ listen: ['/ip4/127.0.0.1/tcp/0'] })
  const b = await createPeerLibp2p({ listen: ['/ip4/127.0.0.1/tcp/0'] })
  try {
    await a.dial(b.getMultiaddrs()[0])
    const end = performance.now() + IDENTIFY_WAIT_MS
    while (performance.now() < end && !(await a.peerStore.get(b.peerId).catch(() => undefined))?.protocols.includes('/ipfs/ping/1.0.0')) {
      await new Promise(resolve => setTimeout(resolve, 20))
    }
    await a.peerStore.merge(b.peerId, {
      multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/9'), multiaddr('/ip4/127.0.0.1/tcp/10')],
      protocols: ['/b/1', '/B/1', '/a/1'],
      metadata: { zeta: new Uint8Array([1]), Alpha: new Uint8Array([2]) }
    })
    t.true(arrayEquals([multiaddr('/ip4/127.0.0.1/tcp/1'), multiaddr('/ip4/127.0.0.1/tcp/2')], [multiaddr('/ip4/127.0.0.1/tcp/2'), multiaddr('/ip4/127.0.0.1/tcp/1')]))
    const stored = await a.peerStore.get(b.peerId)
    t.true(stored.protocols.includes('/ipfs/ping/1.0.0'), 'identify filled the peer store')
    const codeUnitOrder = (xs: string[]): boolean => xs.every((x, i) => i === 0 || xs[i - 1] < x)
    t.true(codeUnitOrder(stored.protocols), stored.protocols.join(' '))
    t.true(codeUnitOrder([...stored.metadata.keys()]), [...stored.metadata.keys()].join(' '))
    t.true(codeUnitOrder(stored.addresses.map(x => x.multiaddr.toString())), stored.addresses.map(x => x.multiaddr.toString()).join(' '))
    t.is(calls, 0, 'localeCompare was called')
  } finally {
    String.prototype.localeCompare = original
    await Promise.all([a.stop(), b.stop()])
  }
})
