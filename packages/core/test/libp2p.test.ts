import test from 'ava'
import { MDNS_QUERY_INTERVAL_MS, mdnsServiceTag } from '@peercall/membership'
import { createPeerLibp2p, peerServices } from '../src/libp2p.js'
import { CONNECTION_MONITOR } from '../src/defaults.js'

test('the libp2p node runs without libp2p\'s connection monitor (membership checks the links it doubts)', async t => {
  t.timeout(20_000)
  t.false(CONNECTION_MONITOR)
  const node = await createPeerLibp2p({ listen: ['/ip4/127.0.0.1/tcp/0'] })
  try {
    // libp2p keeps its components on the node, and reading one it did not configure throws
    const components = (node as unknown as { components: Record<string, unknown> }).components
    t.throws(() => components.connectionMonitor, { message: 'connectionMonitor not set' })
    t.notThrows(() => components.connectionManager)
  } finally {
    await node.stop()
  }
})

test('mDNS runs only when asked, under the cluster\'s own service name', async t => {
  t.false('mdns' in await peerServices({}))
  const services = await peerServices({ mdns: { serviceTag: mdnsServiceTag('prod') } })
  t.deepEqual(Object.keys(services).sort(), ['identify', 'mdns', 'ping', 'pubsub'])
  // build the service without starting it (a started one would multicast beyond loopback)
  const log = Object.assign(() => {}, { error: () => {}, trace: () => {} })
  const service = services.mdns({ logger: { forComponent: () => log } }) as { serviceTag: string, interval: number, isStarted: () => boolean }
  t.is(service.serviceTag, mdnsServiceTag('prod'))
  t.is(service.interval, MDNS_QUERY_INTERVAL_MS)
  t.false(service.isStarted())
})

test('the mDNS service name is per cluster, a valid DNS-SD name (at most 15 characters), and stable', t => {
  const a = mdnsServiceTag('prod')
  t.regex(a, /^_pc-[0-9a-f]{8}\._udp\.local$/)
  t.true(a.split('.')[0].length <= 15)
  t.is(a, mdnsServiceTag('prod'))
  t.not(a, mdnsServiceTag('staging'))
  t.not(a, '_p2p._udp.local')
})
