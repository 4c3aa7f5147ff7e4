/**
 * Moleculer (0.14 here, 0.15 in moleculer-015.ts) with its TCP transporter: one broker per process, UDP discovery off, the client given every
 * server's address on 127.0.0.1 (`urls`); each server learns the client from its gossip HELLO. JSON serialiser
 * (Moleculer's default), no metrics, tracing or validation in the call path beyond the defaults. With several
 * servers the client broker balances the calls itself (its default round-robin strategy).
 */
import * as net from 'node:net'
import Moleculer014 from 'moleculer'
import { DISCOVERY_POLL_MS, DISCOVERY_TIMEOUT_MS } from '../harness/defaults.js'
import { makePayload } from '../payload.js'
import { check, waitUntil, type Target } from './target.js'

type ServiceBrokerClass = typeof Moleculer014.ServiceBroker

const ACTION = 'echo.echo'

/**
 * Moleculer's TCP reader listens on every interface (`listen({ port, exclusive })`, no host); this process only
 * runs the benchmark, so pin listeners without a host to 127.0.0.1 (the bench stays on loopback).
 */
let pinned = false
function pinListenersToLoopback (): void {
  if (pinned) return
  pinned = true
  const listen = net.Server.prototype.listen as (...args: unknown[]) => net.Server
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    const [first] = args
    if (first !== null && typeof first === 'object' && !('host' in first) && !('path' in first)) {
      args[0] = { ...first, host: '127.0.0.1' }
    }
    return listen.apply(this, args)
  } as typeof net.Server.prototype.listen
}

function broker (ServiceBroker: ServiceBrokerClass, nodeID: string, urls: string[] | null): InstanceType<ServiceBrokerClass> {
  pinListenersToLoopback()
  const b = new ServiceBroker({
    nodeID,
    namespace: 'peercall-bench',
    logger: false,
    transporter: {
      type: 'TCP',
      options: { udpDiscovery: false, urls, port: 0, useHostname: false }
    }
  })
  // advertise the loopback address the listener is pinned to: by default a node advertises its external
  // interfaces (`ipList`), which nothing listens on here, and peers that learn of it by gossip then fail to
  // connect and gossip it offline
  const registry = b.registry as unknown as { nodes: { localNode: { ipList: string[] } } }
  registry.nodes.localNode.ipList = ['127.0.0.1']
  return b
}

interface MoleculerAddress { host: string, port: number, nodeID: string }

/** The target for a Moleculer module (`moleculer` 0.14 or the `moleculer-0.15` alias of 0.15). */
export function moleculerTarget (ServiceBroker: ServiceBrokerClass): Target {
  return {
    async serve ({ index }) {
      const nodeID = `bench-server-${index}`
      const b = broker(ServiceBroker, nodeID, null)
      b.createService({
        name: 'echo',
        actions: { echo: (ctx: { params: { p: string } }) => ctx.params.p }
      })
      await b.start()
      const port = (b.transit?.tx as unknown as { opts: { port: number } }).opts.port
      const address: MoleculerAddress = { host: '127.0.0.1', port, nodeID }
      return { address, close: async () => { await b.stop() } }
    },

    async connect (addresses) {
      const servers = addresses as MoleculerAddress[]
      const b = broker(ServiceBroker, `bench-client-${process.pid}`, servers.map((s) => `${s.host}:${s.port}/${s.nodeID}`))
      await b.start()
      const endpoints = (): number => {
        const action = b.registry.getActionList({ onlyAvailable: true, skipInternal: true, withEndpoints: true }).find((a) => a.name === ACTION)
        return action?.endpoints?.filter((e) => e.state).length ?? 0
      }
      await waitUntil(`${servers.length} ${ACTION} endpoint(s)`, () => endpoints() === servers.length, DISCOVERY_TIMEOUT_MS, DISCOVERY_POLL_MS)
      const call = (payload: string): Promise<unknown> => b.call(ACTION, { p: payload })
      const probe = makePayload(16)
      check('moleculer echo', await call(probe), probe)
      return { call, close: async () => { await b.stop() } }
    }
  }
}

export const target: Target = moleculerTarget(Moleculer014.ServiceBroker)
