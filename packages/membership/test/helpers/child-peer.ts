/**
 * A cluster peer in its own process, for the SIGKILL test: `node child-peer.js <cluster> <bootstrap multiaddr>...`.
 * Prints one JSON line `{"peerId": ..., "multiaddrs": [...]}` once started, then runs until killed.
 */
import { createMembership } from '../../src/index.js'
import { createTestLibp2p } from './cluster.js'

const [cluster, ...bootstrap] = process.argv.slice(2)
const libp2p = await createTestLibp2p()
const membership = createMembership(libp2p, { cluster, bootstrap, profile: 'fast' })
await membership.start()
process.stdout.write(JSON.stringify({ peerId: libp2p.peerId.toString(), multiaddrs: libp2p.getMultiaddrs().map(String) }) + '\n')
setInterval(() => {}, 1 << 30)
