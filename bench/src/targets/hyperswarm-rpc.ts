/**
 * @hyperswarm/rpc 3.5: RPC over Protomux on a Noise secret stream over UDX (reliable streams on UDP), found and
 * connected through a HyperDHT; the peer-to-peer RPC closest to peercall. The public DHT is never used: the first
 * server starts a local testnet of 3 DHT nodes on 127.0.0.1 (`@hyperswarm/testnet`) and every server and client
 * bootstraps from it, with its DHT bound to 127.0.0.1. The handler echoes the request bytes; the client sends the
 * payload as UTF-8 and decodes the reply (no JSON: Protomux RPC carries bytes). With several servers the client
 * keeps one connection per server and round-robins the calls.
 */
import DHT from 'hyperdht'
import createTestnet from '@hyperswarm/testnet'
import RPC from '@hyperswarm/rpc'
import { DISCOVERY_POLL_MS, DISCOVERY_TIMEOUT_MS } from '../harness/defaults.js'
import { makePayload } from '../payload.js'
import { check, roundRobin, type Target } from './target.js'

const METHOD = 'echo'
/** DHT nodes in the local testnet: the smallest from which a server's announce is found reliably. */
const TESTNET_NODES = 3
const LOOPBACK = '127.0.0.1'

type RpcClient = ReturnType<InstanceType<typeof RPC>['connect']>

/**
 * Connects to a server and checks one echo; a server that has just announced itself may not be found yet on the
 * testnet (the connection closes with CHANNEL_CLOSED), so this retries until DISCOVERY_TIMEOUT_MS.
 */
async function connectOne (rpc: InstanceType<typeof RPC>, publicKey: Buffer, probe: string): Promise<RpcClient> {
  const deadline = Date.now() + DISCOVERY_TIMEOUT_MS
  for (;;) {
    const client = rpc.connect(publicKey)
    try {
      check('hyperswarm rpc echo', (await client.request(METHOD, Buffer.from(probe))).toString(), probe)
      return client
    } catch (err) {
      client.destroy()
      if (Date.now() > deadline) throw err
      await new Promise((resolve) => setTimeout(resolve, DISCOVERY_POLL_MS))
    }
  }
}

interface HyperswarmAddress { bootstrap: Array<{ host: string, port: number }>, publicKey: string }

export const target: Target = {
  async serve ({ join }) {
    const testnet = join === undefined ? await createTestnet(TESTNET_NODES, { host: LOOPBACK }) : undefined
    const bootstrap = testnet?.bootstrap ?? (join as HyperswarmAddress).bootstrap
    const dht = new DHT({ bootstrap, host: LOOPBACK })
    await dht.fullyBootstrapped()
    const rpc = new RPC({ dht })
    const server = rpc.createServer()
    server.respond(METHOD, (req) => req)
    await server.listen()
    const address: HyperswarmAddress = { bootstrap, publicKey: server.publicKey.toString('hex') }
    return {
      address,
      close: async () => {
        await rpc.destroy({ force: true })
        await dht.destroy()
        await testnet?.destroy()
      }
    }
  },

  async connect (addresses) {
    const servers = addresses as HyperswarmAddress[]
    const dht = new DHT({ bootstrap: servers[0].bootstrap, host: LOOPBACK })
    const rpc = new RPC({ dht })
    await dht.fullyBootstrapped()
    const probe = makePayload(16)
    const clients: RpcClient[] = []
    for (const s of servers) clients.push(await connectOne(rpc, Buffer.from(s.publicKey, 'hex'), probe))
    const next = roundRobin(clients)
    const call = async (payload: string): Promise<unknown> => (await next().request(METHOD, Buffer.from(payload))).toString()
    return {
      call,
      close: async () => {
        await rpc.destroy({ force: true })
        await dht.destroy()
      }
    }
  }
}
