/**
 * The server's one admission pipeline, the same for calls from remote peers and from this peer itself:
 *
 *   allowlist -> per-peer limit -> idempotency (call id) -> ordering (key) -> load meter
 *     -> [in the call context] incoming interceptors -> registry (authorize, method) -> handler
 *
 * Synchronous end to end while nothing in it is asynchronous: a plain `add(a, b)` answers without a promise.
 */
import { RpcError } from '../errors.js'
import { InterceptorChain } from '../interceptors.js'
import { permissionDenied } from '../security/authorize.js'
import { freezeMetadata } from '../wire/metadata.js'
import { currentCall, runCallInContext, runInContext } from './context.js'
import { DedupCache } from './dedup.js'
import { LoadMeter } from './load.js'
import { OrderedQueues } from './ordering.js'
import type { IncomingCall, Interceptor } from '../interceptors.js'
import type { PeerAllowlist } from '../security/allowlist.js'
import type { ServerCall } from './context.js'
import type { Registry } from './registry.js'

export interface PipelineOptions {
  registry: Registry
  /** Peers allowed to call; undefined: anyone. */
  allow?: PeerAllowlist
  /** Handlers one peer may have running here at once, whatever became of the streams that brought them. */
  maxInflightPerPeer: number
  /** Streaming calls (answer or input streamed) one peer may have open here at once. @default MAX_CALL_STREAMS_PER_PEER */
  maxCallStreamsPerPeer?: number
}

/** Streaming calls one peer may have open here at once (HTTP/2 recommends allowing at least 100 concurrent streams). */
export const MAX_CALL_STREAMS_PER_PEER = 100

export class ServerPipeline {
  readonly meter = new LoadMeter()
  readonly dedup = new DedupCache()
  private readonly ordered = new OrderedQueues()
  private readonly registry: Registry
  private readonly allow: PeerAllowlist | undefined
  private readonly maxInflightPerPeer: number
  private readonly maxCallStreamsPerPeer: number
  /** Streaming calls open for each peer. */
  private readonly streams = new Map<string, number>()
  /** Handlers running for each peer (bounds a peer that ends its stream and sends as many calls again). */
  private readonly executing = new Map<string, number>()
  private readonly incoming: InterceptorChain<IncomingCall>

  constructor (options: PipelineOptions) {
    this.registry = options.registry
    this.allow = options.allow
    this.maxInflightPerPeer = options.maxInflightPerPeer
    this.maxCallStreamsPerPeer = options.maxCallStreamsPerPeer ?? MAX_CALL_STREAMS_PER_PEER
    this.incoming = new InterceptorChain<IncomingCall>(call => {
      const sc = currentCall() as ServerCall
      if (call.meta !== sc.meta) sc.meta = Object.isFrozen(call.meta) ? call.meta : freezeMetadata(call.meta as Record<string, string>)
      return this.registry.invoke(sc, call.args)
    })
  }

  /** Adds an incoming interceptor (inside those added before); returns its removal. */
  intercept (fn: Interceptor<IncomingCall>): () => void {
    return this.incoming.add(fn)
  }

  /** Serves one call: its result, a promise of it, or a throw. */
  readonly dispatch = (call: ServerCall, args: unknown[]): unknown => {
    if (this.allow !== undefined && !this.allow.has(call.peer)) throw permissionDenied(call, 'not on the allowlist')
    const running = this.executing.get(call.peer) ?? 0
    if (running >= this.maxInflightPerPeer) {
      throw new RpcError('OVERLOADED', `${call.service}.${call.method}: ${running} calls from this peer are executing (limit ${this.maxInflightPerPeer})`, { mayHaveExecuted: false })
    }
    if (call.streaming || call.input !== undefined) return this.openStream(call, args)
    const out = call.ordered ? this.ordered.run(call.peer, call.key ?? '', () => this.once(call, args)) : this.once(call, args)
    if (isThenable(out)) {
      this.executing.set(call.peer, running + 1)
      const done = (): void => {
        const n = (this.executing.get(call.peer) ?? 1) - 1
        if (n <= 0) this.executing.delete(call.peer)
        else this.executing.set(call.peer, n)
      }
      out.then(done, done)
    }
    return out
  }

  /**
   * A streaming call: bounded per peer, counted (and its load metered) until the call is done, never cached by
   * call id (a stream is not replayed) nor ordered.
   */
  private openStream (call: ServerCall, args: unknown[]): unknown {
    const open = this.streams.get(call.peer) ?? 0
    if (open >= this.maxCallStreamsPerPeer) {
      throw new RpcError('OVERLOADED', `${call.service}.${call.method}: ${open} streaming calls from this peer are open (limit ${this.maxCallStreamsPerPeer})`, { mayHaveExecuted: false })
    }
    this.streams.set(call.peer, open + 1)
    const started = this.meter.start()
    call.whenDone(() => {
      this.meter.end(started)
      const n = (this.streams.get(call.peer) ?? 1) - 1
      if (n <= 0) this.streams.delete(call.peer)
      else this.streams.set(call.peer, n)
    })
    return this.invoke(call, args)
  }

  /** Runs a call, once per call id when it has one (a repeat gets the first one's answer). */
  private once (call: ServerCall, args: unknown[]): unknown {
    if (call.callId === undefined) return this.run(call, args)
    return this.dedup.run(call.peer, call.callId, () => this.run(call, args), mayHaveExecuted)
  }

  private invoke (call: ServerCall, args: unknown[]): unknown {
    return this.incoming.size === 0
      ? runCallInContext(call, this.registry, args, call.scope)
      : runInContext(call, this.incoming.run, undefined, [{ service: call.service, method: call.method, args, meta: call.meta, peer: call.peer }])
  }

  private run (call: ServerCall, args: unknown[]): unknown {
    const started = this.meter.start()
    let out: unknown
    try {
      out = this.invoke(call, args)
    } catch (err) {
      this.meter.end(started)
      throw err
    }
    if (isThenable(out)) return Promise.resolve(out).finally(() => { this.meter.end(started) })
    this.meter.end(started)
    return out
  }
}

/** Whether a failure may have run the call (then its answer is remembered for the call id). */
function mayHaveExecuted (err: unknown): boolean {
  return !(err instanceof RpcError) || err.mayHaveExecuted
}

function isThenable (v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as PromiseLike<unknown>).then === 'function'
}
