/**
 * Raw `node:net` RPC with peercall's framing and codec and per-tick write coalescing: no libp2p, no encryption,
 * no multiplexing; one socket per server, calls round-robin over them. The physical limit of this machine for
 * the same work.
 */
import * as net from 'node:net'
import { once } from 'node:events'
import { Coalescer } from '../harness/coalesce.js'
import { Pending } from '../harness/rpc-table.js'
import { makePayload } from '../payload.js'
import { codec, echoRequest, ECHO_METHOD, ECHO_SERVICE, FrameDecoder, FRAME_REQUEST, FRAME_RESPONSE, response } from '../wire.js'
import { check, roundRobin, type Target } from './target.js'

type Handler = (...args: unknown[]) => unknown
const services: Record<string, Record<string, Handler>> = {
  [ECHO_SERVICE]: { [ECHO_METHOD]: (payload: unknown) => payload }
}

function serveSocket (sock: net.Socket): void {
  sock.setNoDelay(true)
  const dec = new FrameDecoder()
  const out = new Coalescer((chunk) => sock.write(chunk))
  sock.on('data', (chunk: Buffer) => {
    for (const body of dec.push(chunk)) {
      const [type, id, service, method, args] = codec.decode(body) as [number, number, string, string, unknown[]]
      if (type !== FRAME_REQUEST) continue
      const fn = Object.hasOwn(services, service) && Object.hasOwn(services[service], method) ? services[service][method] : undefined
      const result = fn?.(...args)
      out.push(response(id, result))
    }
  })
  sock.on('error', () => sock.destroy())
}

export const target: Target = {
  async serve () {
    const server = net.createServer(serveSocket)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as net.AddressInfo
    return { address: { host: '127.0.0.1', port }, close: async () => { server.close() } }
  },

  async connect (addresses) {
    const pending = new Pending()
    const socks: net.Socket[] = []
    const outs: Coalescer[] = []
    for (const address of addresses as Array<{ host: string, port: number }>) {
      const sock = net.connect(address)
      await once(sock, 'connect')
      sock.setNoDelay(true)
      const dec = new FrameDecoder()
      sock.on('data', (chunk: Buffer) => {
        for (const body of dec.push(chunk)) {
          const [type, id, result] = codec.decode(body) as [number, number, unknown]
          if (type === FRAME_RESPONSE) pending.settle(id, result)
        }
      })
      sock.on('close', () => pending.failAll(new Error('connection closed')))
      sock.on('error', () => {})
      socks.push(sock)
      outs.push(new Coalescer((chunk) => sock.write(chunk)))
    }
    const next = roundRobin(outs)
    const call = (payload: string): Promise<unknown> => {
      const { id, promise } = pending.open()
      next().push(echoRequest(id, payload))
      return promise
    }
    const probe = makePayload(16)
    check('net echo', await call(probe), probe)
    return { call, close: async () => { for (const s of socks) s.destroy() } }
  }
}
