/**
 * Raw `node:net` RPC with peercall's framing and codec and per-tick write coalescing: no libp2p, no encryption,
 * no multiplexing. The physical limit of this machine for the same work.
 */
import * as net from 'node:net'
import { once } from 'node:events'
import { Coalescer } from '../harness/coalesce.js'
import { Pending } from '../harness/rpc-table.js'
import { addRequest, codec, FrameDecoder, FRAME_REQUEST, FRAME_RESPONSE, response } from '../wire.js'
import { check, type Target } from './target.js'

const services: Record<string, Record<string, (...args: any[]) => unknown>> = {
  Calculator: { add: (a: number, b: number) => a + b }
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

  async connect (address) {
    const { host, port } = address as { host: string, port: number }
    const sock = net.connect({ host, port })
    await once(sock, 'connect')
    sock.setNoDelay(true)
    const pending = new Pending()
    const dec = new FrameDecoder()
    const out = new Coalescer((chunk) => sock.write(chunk))
    sock.on('data', (chunk: Buffer) => {
      for (const body of dec.push(chunk)) {
        const [type, id, result] = codec.decode(body) as [number, number, unknown]
        if (type === FRAME_RESPONSE) pending.settle(id, result)
      }
    })
    sock.on('close', () => pending.failAll(new Error('connection closed')))
    sock.on('error', () => {})
    const call = (): Promise<unknown> => {
      const { id, promise } = pending.open()
      out.push(addRequest(id))
      return promise
    }
    check('net add(1, 2)', await call(), 3)
    return { call, close: async () => { sock.destroy() } }
  }
}
