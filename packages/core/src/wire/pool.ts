/**
 * The sessions of one node: at most one preferred RPC stream per remote peer for outgoing calls, opened on
 * demand and re-opened after a drop, plus every inbound stream that remotes opened to us.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { DIAL_TIMEOUT_MS, MAX_RPC_STREAMS_PER_PEER, RPC_FIRST_FRAME_TIMEOUT_MS, RPC_IDLE_TIMEOUT_MS, RPC_PROTOCOL } from '../defaults.js'
import { RpcError } from '../errors.js'
import { Session } from './session.js'
import type { SessionOptions, ByteStream } from './session.js'
import type { Libp2p, Stream } from '@libp2p/interface'

export type SessionFactory = (stream: ByteStream, peer: string, onClose: (s: Session) => void) => Session

/** Bounds on the RPC streams that remotes open to this peer (docs/security.md). */
export interface StreamLimits {
  /** RPC streams one peer may have open here at once, per connection. @default MAX_RPC_STREAMS_PER_PEER (16) */
  maxStreamsPerPeer?: number
  /** An inbound stream idle this long (nothing received, no call either way) is closed, ms; 0: never. @default RPC_IDLE_TIMEOUT_MS (300 s) */
  idleStreamTimeoutMs?: number
  /** An inbound stream whose opener sent nothing within this long is reset, ms; 0: never. @default RPC_FIRST_FRAME_TIMEOUT_MS (10 s) */
  firstFrameTimeoutMs?: number
}

/** After a GOAWAY to an idle stream, how long to wait before ending it, ms: calls the remote sent before it saw the GOAWAY get a clean UNAVAILABLE meanwhile. */
const IDLE_GOAWAY_GRACE_MS = 1000

interface InboundState {
  /** When this side sent GOAWAY because the stream was idle; performance.now() ms. */
  goneAwayAt: number | undefined
}

export class SessionPool {
  private readonly libp2p: Libp2p
  private readonly preferred = new Map<string, Session>()
  private readonly all = new Set<Session>()
  private readonly dialing = new Map<string, Promise<Session>>()
  private readonly options: Omit<SessionOptions, 'peer' | 'onClose'>
  private readonly byPeer = new Map<string, Set<Session>>()
  private readonly inbound = new Map<Session, InboundState>()
  private readonly maxStreamsPerPeer: number
  private readonly idleStreamTimeoutMs: number
  private readonly firstFrameTimeoutMs: number
  private idleTimer: ReturnType<typeof setInterval> | undefined
  private accepting = true

  constructor (libp2p: Libp2p, options: Omit<SessionOptions, 'peer' | 'onClose'> & StreamLimits) {
    this.libp2p = libp2p
    this.maxStreamsPerPeer = options.maxStreamsPerPeer ?? MAX_RPC_STREAMS_PER_PEER
    this.idleStreamTimeoutMs = options.idleStreamTimeoutMs ?? RPC_IDLE_TIMEOUT_MS
    this.firstFrameTimeoutMs = options.firstFrameTimeoutMs ?? RPC_FIRST_FRAME_TIMEOUT_MS
    this.options = options
  }

  async start (): Promise<void> {
    await this.libp2p.handle(RPC_PROTOCOL, ({ stream, connection }) => {
      if (!this.accepting) {
        stream.abort(new Error('peer is shutting down'))
        return
      }
      this.adopt(stream, connection.remotePeer.toString())
    }, { maxInboundStreams: this.maxStreamsPerPeer, maxOutboundStreams: this.maxStreamsPerPeer })
    const timeouts = [this.idleStreamTimeoutMs, this.firstFrameTimeoutMs].filter(ms => ms > 0)
    if (timeouts.length > 0) {
      this.idleTimer = setInterval(() => { this.closeIdle() }, Math.min(1000, Math.max(20, Math.min(...timeouts) / 4)))
      this.idleTimer.unref()
    }
  }

  /** Closes inbound streams that stay silent: never a byte within firstFrameTimeoutMs, or idle for idleStreamTimeoutMs. */
  private closeIdle (): void {
    const now = performance.now()
    for (const [s, st] of this.inbound) {
      if (s.pendingCalls > 0 || s.servingCalls > 0) continue
      if (s.lastReadAt === undefined) {
        if (this.firstFrameTimeoutMs > 0 && now - s.openedAt >= this.firstFrameTimeoutMs) {
          this.inbound.delete(s)
          s.close(new Error(`no frame within ${this.firstFrameTimeoutMs} ms of opening the stream`))
        }
        continue
      }
      if (st.goneAwayAt !== undefined) {
        if (now - st.goneAwayAt >= IDLE_GOAWAY_GRACE_MS) {
          this.inbound.delete(s)
          void s.end()
        }
      } else if (this.idleStreamTimeoutMs > 0 && now - s.lastReadAt >= this.idleStreamTimeoutMs) {
        s.goAway('idle')
        st.goneAwayAt = now
      }
    }
  }

  /** An open session to `peer` (a peer id, or a multiaddr ending in /p2p/<id>) that takes new calls, if any. */
  get (peer: string): Session | undefined {
    const s = this.preferred.get(peer.startsWith('/') ? (peerOfMultiaddr(peer) ?? peer) : peer)
    return s !== undefined && s.isOpen && !s.draining ? s : undefined
  }

  /**
   * The session to `peer`, opening a stream (and dialling) if there is none. Concurrent callers share one dial,
   * bounded by DIAL_TIMEOUT_MS; each caller stops waiting when its own `signal` aborts.
   */
  open (peer: string, signal: AbortSignal): Promise<Session> {
    const existing = this.get(peer)
    if (existing !== undefined) return Promise.resolve(existing)
    const key = peer.startsWith('/') ? (peerOfMultiaddr(peer) ?? peer) : peer
    let dial = this.dialing.get(key)
    if (dial === undefined) {
      dial = this.dial(peer, AbortSignal.timeout(DIAL_TIMEOUT_MS)).finally(() => { this.dialing.delete(key) })
      this.dialing.set(key, dial)
    }
    if (signal.aborted) return Promise.reject(gaveUp(peer, signal))
    return new Promise<Session>((resolve, reject) => {
      const onAbort = (): void => { reject(gaveUp(peer, signal)) }
      signal.addEventListener('abort', onAbort, { once: true })
      dial.then(resolve, reject).finally(() => { signal.removeEventListener('abort', onAbort) })
    })
  }

  private async dial (peer: string, signal: AbortSignal): Promise<Session> {
    if (!this.accepting) throw new RpcError('UNAVAILABLE', 'this peer is shutting down', { peer, mayHaveExecuted: false })
    let target
    try {
      target = peer.startsWith('/') ? multiaddr(peer) : peerIdFromString(peer)
    } catch (err) {
      throw new RpcError('INVALID_ARGUMENT', `not a peer id or multiaddr: ${peer}`, { mayHaveExecuted: false, cause: err })
    }
    let stream: Stream
    try {
      // full negotiation: libp2p's optimistic select can stall writes queued before the first read (one RTT, once per stream)
      stream = await this.libp2p.dialProtocol(target, RPC_PROTOCOL, { signal, negotiateFully: true })
    } catch (err) {
      const timedOut = signal.aborted
      throw new RpcError(timedOut ? 'DEADLINE_EXCEEDED' : 'UNAVAILABLE', `cannot reach ${peer}: ${(err as Error).message}`, {
        peer, mayHaveExecuted: false, retryable: true, cause: err
      })
    }
    const remote = peer.startsWith('/') ? (peerOfMultiaddr(peer) ?? peer) : peer
    return this.adopt(stream, remote, true)
  }

  private adopt (stream: Stream, peer: string, outbound = false): Session {
    const session = new Session(stream as unknown as ByteStream, {
      ...this.options,
      peer,
      onClose: (s) => {
        this.all.delete(s)
        this.inbound.delete(s)
        const set = this.byPeer.get(peer)
        set?.delete(s)
        if (set?.size === 0) this.byPeer.delete(peer)
        if (this.preferred.get(peer) === s) this.preferred.delete(peer)
      }
    })
    this.all.add(session)
    if (!outbound) this.inbound.set(session, { goneAwayAt: undefined })
    let set = this.byPeer.get(peer)
    if (set === undefined) this.byPeer.set(peer, set = new Set())
    set.add(session)
    const current = this.preferred.get(peer)
    if (outbound || current === undefined || !current.isOpen || current.draining) this.preferred.set(peer, session)
    return session
  }

  /** Peers with an open session. */
  peers (): string[] {
    return [...this.preferred.keys()]
  }

  sessions (): Session[] {
    return [...this.all]
  }

  /** Stops taking streams, tells every remote to send no new calls, and waits (bounded) for calls to finish. */
  async drain (timeoutMs: number): Promise<void> {
    this.accepting = false
    if (this.idleTimer !== undefined) clearInterval(this.idleTimer)
    await this.libp2p.unhandle(RPC_PROTOCOL).catch(() => {})
    for (const s of this.all) s.goAway()
    const idle = Promise.all([...this.all].map(async s => { await s.idle() }))
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([idle, new Promise<void>(resolve => { timer = setTimeout(resolve, timeoutMs) })])
    clearTimeout(timer)
  }

  /** Ends every session: queued answers are written before each stream closes. */
  async closeAll (timeoutMs = 2000): Promise<void> {
    await Promise.all([...this.all].map(async s => { await s.end(timeoutMs) }))
  }
}

function peerOfMultiaddr (addr: string): string | undefined {
  const i = addr.lastIndexOf('/p2p/')
  return i >= 0 ? addr.slice(i + 5) : undefined
}

function gaveUp (peer: string, signal: AbortSignal): RpcError {
  const timedOut = signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError'
  return new RpcError(timedOut ? 'DEADLINE_EXCEEDED' : 'CANCELLED', `gave up connecting to ${peer}`, { peer, mayHaveExecuted: false, cause: signal.reason })
}
