/**
 * Moleculer 0.14 with its TCP transporter: one broker per process, UDP discovery off, the client given the
 * server's address on 127.0.0.1 (`urls`); the server learns the client from its gossip HELLO. JSON serialiser
 * (Moleculer's default), no metrics, tracing or validation in the call path beyond the defaults.
 */
import * as net from 'node:net'
import Moleculer from 'moleculer'
import { ADD_ARGS } from '../harness/defaults.js'
import { check, type Target } from './target.js'

const { ServiceBroker } = Moleculer

/** Longest wait for the client broker to discover the server's `calculator` service, in ms (gossip period 2 s). */
const DISCOVERY_TIMEOUT_MS = 20_000

const SERVER_NODE = 'bench-server'

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

function broker (nodeID: string, urls: string[] | null): InstanceType<typeof ServiceBroker> {
  pinListenersToLoopback()
  return new ServiceBroker({
    nodeID,
    namespace: 'peercall-bench',
    logger: false,
    transporter: {
      type: 'TCP',
      options: { udpDiscovery: false, urls, port: 0, useHostname: false }
    }
  })
}

export const target: Target = {
  async serve () {
    const b = broker(SERVER_NODE, null)
    b.createService({
      name: 'calculator',
      actions: { add: (ctx: { params: { a: number, b: number } }) => ctx.params.a + ctx.params.b }
    })
    await b.start()
    const port = (b.transit?.tx as unknown as { opts: { port: number } }).opts.port
    return { address: { host: '127.0.0.1', port }, close: async () => { await b.stop() } }
  },

  async connect (address) {
    const { host, port } = address as { host: string, port: number }
    const b = broker(`bench-client-${process.pid}`, [`${host}:${port}/${SERVER_NODE}`])
    await b.start()
    await b.waitForServices('calculator', DISCOVERY_TIMEOUT_MS)
    const params = { a: ADD_ARGS[0], b: ADD_ARGS[1] }
    const call = async (): Promise<unknown> => await b.call('calculator.add', params)
    check('moleculer add(1, 2)', await call(), 3)
    return { call, close: async () => { await b.stop() } }
  }
}
