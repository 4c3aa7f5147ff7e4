import test from 'ava'
import { createPeerLibp2p } from '../src/libp2p.js'
import { CONNECTION_PING_INTERVAL_MS } from '../src/defaults.js'

test('the libp2p node pings its connections every 30 s (connection monitor), not libp2p\'s 10 s', async t => {
  t.timeout(20_000)
  t.is(CONNECTION_PING_INTERVAL_MS, 30_000)
  const node = await createPeerLibp2p({ listen: ['/ip4/127.0.0.1/tcp/0'] })
  try {
    // libp2p keeps its components on the node; the monitor's interval is not exposed otherwise
    const monitor = (node as unknown as { components: { connectionMonitor?: { pingIntervalMs: number } } }).components.connectionMonitor
    t.is(monitor?.pingIntervalMs, CONNECTION_PING_INTERVAL_MS)
  } finally {
    await node.stop()
  }
})
