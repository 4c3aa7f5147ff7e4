/**
 * grpc-js unary Echo.echo over HTTP/2 on 127.0.0.1, no TLS (insecure credentials); the service is defined in
 * code (`makeGenericClientConstructor`) with msgpackr serialisers, so the codec is the same as peercall's.
 * One channel per server, calls round-robin over them; grpc-js multiplexes the calls in flight over each
 * channel's HTTP/2 connection.
 */
import * as grpc from '@grpc/grpc-js'
import { Packr } from 'msgpackr'
import { makePayload } from '../payload.js'
import { check, roundRobin, type Target } from './target.js'

const packr = new Packr({ useRecords: false })
const ser = (v: unknown): Buffer => packr.pack(v)
const de = (b: Buffer): unknown => packr.unpack(b)

const definition: grpc.ServiceDefinition = {
  echo: {
    path: '/Echo/echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: ser,
    requestDeserialize: de,
    responseSerialize: ser,
    responseDeserialize: de,
    originalName: 'echo'
  }
}

type Unary = (req: unknown, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void

export const target: Target = {
  async serve () {
    const server = new grpc.Server()
    server.addService(definition, {
      echo: (call: grpc.ServerUnaryCall<string, string>, cb: grpc.sendUnaryData<string>) => { cb(null, call.request) }
    })
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => err != null ? reject(err) : resolve(p))
    })
    return {
      address: { host: '127.0.0.1', port },
      close: async () => { await new Promise<void>((resolve) => server.tryShutdown(() => resolve())) }
    }
  },

  async connect (addresses) {
    const Client = grpc.makeGenericClientConstructor(definition, 'Echo')
    const clients = (addresses as Array<{ host: string, port: number }>).map(({ host, port }) => new Client(`${host}:${port}`, grpc.credentials.createInsecure()))
    const next = roundRobin(clients.map((c) => (c.echo as Unary).bind(c)))
    const call = async (payload: string): Promise<unknown> => await new Promise((resolve, reject) => {
      next()(payload, (err, res) => err != null ? reject(err) : resolve(res))
    })
    const probe = makePayload(16)
    for (let i = 0; i < clients.length; i++) check('grpc echo', await call(probe), probe)
    return { call, close: async () => { for (const c of clients) c.close() } }
  }
}
