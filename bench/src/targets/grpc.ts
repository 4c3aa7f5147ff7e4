/**
 * grpc-js unary Calculator.add over HTTP/2 on 127.0.0.1, no TLS; the service is defined in code
 * (`makeGenericClientConstructor`) with msgpackr serialisers, so the codec is the same as peercall's.
 * One channel; grpc-js multiplexes the calls in flight over its HTTP/2 connection.
 */
import * as grpc from '@grpc/grpc-js'
import { Packr } from 'msgpackr'
import { ADD_ARGS } from '../harness/defaults.js'
import { check, type Target } from './target.js'

const packr = new Packr({ useRecords: false })
const ser = (v: unknown): Buffer => packr.pack(v)
const de = (b: Buffer): unknown => packr.unpack(b)

const definition: grpc.ServiceDefinition = {
  add: {
    path: '/Calculator/add',
    requestStream: false,
    responseStream: false,
    requestSerialize: ser,
    requestDeserialize: de,
    responseSerialize: ser,
    responseDeserialize: de,
    originalName: 'add'
  }
}

export const target: Target = {
  async serve () {
    const server = new grpc.Server()
    server.addService(definition, {
      add: (call: grpc.ServerUnaryCall<[number, number], number>, cb: grpc.sendUnaryData<number>) => {
        const [a, b] = call.request
        cb(null, a + b)
      }
    })
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => err != null ? reject(err) : resolve(p))
    })
    return {
      address: { host: '127.0.0.1', port },
      close: async () => { await new Promise<void>((resolve) => server.tryShutdown(() => resolve())) }
    }
  },

  async connect (address) {
    const { host, port } = address as { host: string, port: number }
    const Client = grpc.makeGenericClientConstructor(definition, 'Calculator')
    const client = new Client(`${host}:${port}`, grpc.credentials.createInsecure())
    const add = client.add.bind(client) as (req: unknown, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void
    const call = async (): Promise<unknown> => await new Promise((resolve, reject) => {
      add(ADD_ARGS, (err, res) => err != null ? reject(err) : resolve(res))
    })
    check('grpc add(1, 2)', await call(), 3)
    return { call, close: async () => { client.close() } }
  }
}
