/** The parts of @hyperswarm/rpc, hyperdht and @hyperswarm/testnet (untyped CommonJS packages) the bench uses. */
declare module 'hyperdht' {
  export default class DHT {
    constructor (options?: { bootstrap?: unknown[], host?: string, port?: number, keyPair?: unknown })
    fullyBootstrapped (): Promise<void>
    destroy (): Promise<void>
  }
}

declare module '@hyperswarm/testnet' {
  interface Testnet { bootstrap: Array<{ host: string, port: number }>, destroy(): Promise<void> }
  export default function createTestnet (size?: number, options?: { host?: string, port?: number }): Promise<Testnet>
}

declare module '@hyperswarm/rpc' {
  import type DHT from 'hyperdht'
  interface RpcServer {
    publicKey: Buffer
    listen(keyPair?: unknown): Promise<void>
    respond(method: string, handler: (req: Buffer) => Buffer | Promise<Buffer>): void
    close(): Promise<void>
  }
  interface RpcClient {
    request(method: string, value: Buffer): Promise<Buffer>
    opened: Promise<void>
    stream: { rawStream?: { remoteHost?: string, remotePort?: number } }
    end(): Promise<void>
    destroy(): void
  }
  export default class RPC {
    constructor (options?: { dht?: DHT, bootstrap?: unknown[] })
    createServer (): RpcServer
    connect (publicKey: Buffer, options?: Record<string, unknown>): RpcClient
    destroy (options?: { force?: boolean }): Promise<void>
  }
}
