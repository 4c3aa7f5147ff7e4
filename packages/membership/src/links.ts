/**
 * Long-lived membership streams: one outbound stream per peer, opened lazily on the first message and reused for
 * every later one (varint length-prefixed frames, `frames.ts`), and a read loop per inbound stream. A stream per
 * message paid multistream-select, yamux stream set-up and tear-down and handler dispatch for every ping and ack.
 *
 * Bounds: frames waiting for a peer's stream are bounded in bytes (`maxQueuedBytes`; past it a message is
 * refused, and the caller reports a failed send); an inbound frame above `maxFrameBytes` or a malformed length
 * aborts that stream only. A stream whose connection closes, or that the remote closes or resets, is dropped, its
 * waiting messages fail, and the next message opens a new stream.
 */
import { logger } from '@libp2p/logger'
import type { Logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { MAX_QUEUED_BYTES_PER_PEER, STREAM_CLOSE_TIMEOUT_MS } from './defaults.js'
import { encodeFrames, FrameDecoder } from './frames.js'
import { FrameWriter } from './writer.js'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'

export interface LinksOptions {
  /** stream protocol */
  protocol: string
  /** how long opening a stream (dial included) may take, ms */
  openTimeoutMs: number
  /** largest frame body accepted and sent, bytes */
  maxFrameBytes: number
  /** bytes that may wait per peer for its stream. @default MAX_QUEUED_BYTES_PER_PEER (1 MiB) */
  maxQueuedBytes?: number
  /** how long close() waits for each stream to close gracefully, ms. @default STREAM_CLOSE_TIMEOUT_MS (1 s) */
  closeTimeoutMs?: number
  /** a frame body received from `from` (called synchronously, in order) */
  onFrame: (from: string, body: Uint8Array) => void
  /** @default logger('peercall:membership:links') */
  log?: Logger
}

/** The parts of libp2p the links use. */
export type LinksLibp2p = Pick<Libp2p, 'dial' | 'addEventListener' | 'removeEventListener'>

/** Counters, for tests and diagnostics. */
export interface LinkStats {
  /** outbound streams opened */
  opened: number
  /** inbound streams accepted */
  accepted: number
  /** messages refused because the peer's queue was full */
  dropped: number
}

export class Links {
  readonly stats: LinkStats = { opened: 0, accepted: 0, dropped: 0 }
  private readonly out = new Map<string, Link>()
  private readonly inbound = new Set<Stream>()
  /** @internal */
  readonly log: Logger
  /** @internal */
  readonly maxQueuedBytes: number
  private closing = false

  constructor (private readonly libp2p: LinksLibp2p, private readonly opts: LinksOptions) {
    this.maxQueuedBytes = opts.maxQueuedBytes ?? MAX_QUEUED_BYTES_PER_PEER
    this.log = opts.log ?? logger('peercall:membership:links')
    libp2p.addEventListener('connection:close', this.onConnectionClose)
  }

  /**
   * Queues one message for `peer` on its stream, opening one if there is none. Resolves true once the stream has
   * taken the frame, false when it could not be opened, closed first, or the peer's queue was full. Never rejects.
   */
  async send (peer: string, body: Uint8Array): Promise<boolean> {
    if (this.closing || body.byteLength > this.opts.maxFrameBytes) return false
    let link = this.out.get(peer)
    if (link !== undefined && !link.usable()) {
      link.close(new Error('stream or connection closed'))
      link = undefined
    }
    if (link === undefined) {
      link = new Link(peer, this)
      this.out.set(peer, link)
      void link.open()
    }
    if (!link.hasRoom(body.byteLength)) {
      this.stats.dropped++
      this.log.trace('queue to %s full (%d bytes): message dropped', peer, link.queuedBytes)
      return false
    }
    return await new Promise<boolean>(resolve => { link.enqueue(body, resolve) })
  }

  /**
   * Sends one message on a stream of its own, written and closed gracefully (never reset), as 1.0.0 sent every
   * message: for the leave notice on stop(), which must arrive although every stream is closed right after. The
   * receiver reads it as any inbound stream. Resolves false when the stream could not be opened or written.
   */
  async sendOnce (peer: string, body: Uint8Array, timeoutMs: number): Promise<boolean> {
    if (body.byteLength > this.opts.maxFrameBytes) return false
    try {
      const signal = AbortSignal.timeout(timeoutMs)
      const connection = await this.libp2p.dial(peerIdFromString(peer), { signal })
      const stream = await connection.newStream(this.opts.protocol, { signal, negotiateFully: false })
      await stream.sink([encodeFrames([body])])
      // a close that does not finish in time is left to the connection's close: a reset could drop the frame unread
      await stream.close({ signal: AbortSignal.timeout(timeoutMs) }).catch(() => {})
      return true
    } catch (err) {
      this.log.trace('one-off membership stream to %s failed: %s', peer, (err as Error).message)
      return false
    }
  }

  /** Reads frames from an inbound stream until it ends; a bad frame aborts this stream only. */
  accept (stream: Stream, connection: Connection): void {
    if (this.closing) { stream.abort(new Error('membership stopped')); return }
    const from = connection.remotePeer.toString()
    this.stats.accepted++
    this.inbound.add(stream)
    void this.read(stream, from)
  }

  /** Outbound streams now open or opening, by peer (diagnostics). */
  get peers (): string[] { return [...this.out.keys()] }

  /**
   * Ends every stream: outbound streams first write what they hold and then close, inbound ones close; each is
   * reset if it has not closed within the close timeout. Later sends fail.
   */
  async close (): Promise<void> {
    this.closing = true
    this.libp2p.removeEventListener('connection:close', this.onConnectionClose)
    const timeout = this.opts.closeTimeoutMs ?? STREAM_CLOSE_TIMEOUT_MS
    const links = [...this.out.values()]
    const inbound = [...this.inbound]
    await Promise.allSettled([
      ...links.map(async l => { await l.end(timeout) }),
      ...inbound.map(async s => { await closeOrAbort(s, timeout) })
    ])
  }

  // --- internal, used by Link ----------------------------------------------------------------------------

  /** @internal */
  get options (): LinksOptions { return this.opts }
  /** @internal */
  get isClosing (): boolean { return this.closing }
  /** @internal */
  get dialer (): LinksLibp2p { return this.libp2p }

  /** @internal */
  forget (link: Link): void {
    if (this.out.get(link.peer) === link) this.out.delete(link.peer)
  }

  private readonly onConnectionClose = (e: CustomEvent<Connection>): void => {
    const id = e.detail.id
    for (const link of [...this.out.values()]) {
      if (link.connectionId === id) link.close(new Error('connection closed'))
    }
  }

  private async read (stream: Stream, from: string): Promise<void> {
    const decoder = new FrameDecoder(this.opts.maxFrameBytes)
    try {
      for await (const chunk of stream.source) {
        for (const buf of chunk instanceof Uint8Array ? [chunk] : chunk) {
          for (const body of decoder.push(buf)) {
            try { this.opts.onFrame(from, body) } catch (err) { this.log.error('membership frame from %s: %s', from, (err as Error).message) }
          }
        }
      }
      if (decoder.pendingBytes > 0) this.log('stream from %s ended inside a frame (%d bytes)', from, decoder.pendingBytes)
      await closeOrAbort(stream, this.opts.closeTimeoutMs ?? STREAM_CLOSE_TIMEOUT_MS)
    } catch (err) {
      this.log('inbound stream from %s aborted: %s', from, (err as Error).message)
      stream.abort(err as Error)
    } finally {
      this.inbound.delete(stream)
    }
  }
}

/** One outbound stream and the frames waiting for it (in the shared stream writer). */
class Link {
  connectionId: string | undefined
  private stream: Stream | undefined
  private connection: Connection | undefined
  private readonly writer: FrameWriter
  private sinkDone: Promise<void> | undefined
  private ending = false
  private closed = false

  constructor (readonly peer: string, private readonly links: Links) {
    // a message that finds the queue full is refused by Links.send (gossip tolerates loss; it never waits)
    this.writer = new FrameWriter({ maxQueuedBytes: links.maxQueuedBytes, encode: encodeFrames })
  }

  get queuedBytes (): number {
    return this.writer.queuedBytes
  }

  hasRoom (bytes: number): boolean {
    return this.writer.hasRoom(bytes)
  }

  /** Still worth writing to: not closed, and neither its stream nor its connection has closed. */
  usable (): boolean {
    if (this.closed || this.ending) return false
    const c = this.connection
    if (c !== undefined && c.status !== 'open') return false
    const s = this.stream
    if (s === undefined) return true // still opening
    return s.status === 'open' && s.writeStatus !== 'closing' && s.writeStatus !== 'closed'
  }

  /** Queues one frame; `done(true)` once the stream has taken it, `done(false)` if the link closes first. */
  enqueue (frame: Uint8Array, done: (ok: boolean) => void): void {
    this.writer.push(frame, false, done)
  }

  async open (): Promise<void> {
    const { protocol, openTimeoutMs } = this.links.options
    const signal = AbortSignal.timeout(openTimeoutMs)
    try {
      // libp2p's dialProtocol is dial + newStream; both are called here to learn the stream's connection
      const connection = await this.links.dialer.dial(peerIdFromString(this.peer), { signal })
      const stream = await connection.newStream(protocol, { signal, negotiateFully: false })
      if (this.closed || this.links.isClosing) { stream.abort(new Error('membership link closed while opening')); this.close(); return }
      this.links.stats.opened++
      this.stream = stream
      this.connection = connection
      this.connectionId = connection.id
      if (connection.status !== 'open') { this.close(new Error('connection closed while opening')); return }
      this.sinkDone = stream.sink(this.outgoing(stream)).then(
        () => { if (!this.ending) this.close() },
        (err: Error) => { this.close(err) }
      )
    } catch (err) {
      this.links.log.trace('opening a membership stream to %s failed: %s', this.peer, (err as Error).message)
      this.close(err as Error)
    }
  }

  /**
   * Reads the stream's (unused) readable end: it ends when the remote closes the stream, resets it, or the
   * connection goes, which is how a dead stream is noticed even while nothing is being written.
   */
  private async watch (stream: Stream): Promise<void> {
    try {
      for await (const _ of stream.source) { /* the remote writes nothing on this stream */ }
      if (!this.ending) this.close(new Error('closed by the remote'))
    } catch (err) {
      this.close(err as Error)
    }
  }

  /** The writer's chunks; reading starts once the first one (which carries the multistream-select header, negotiateFully: false) is out. */
  private async * outgoing (stream: Stream): AsyncGenerator<Uint8Array> {
    let watching = false
    for await (const chunk of this.writer.source()) {
      yield chunk
      if (!watching) { watching = true; void this.watch(stream) }
    }
  }

  /** Drops the link: waiting messages fail, the stream is reset (with an error) or closed. */
  close (err?: Error): void {
    if (this.closed) return
    this.closed = true
    this.links.forget(this)
    this.writer.close()
    const s = this.stream
    if (s === undefined) return
    if (err !== undefined) s.abort(err)
    else void closeOrAbort(s, this.links.options.closeTimeoutMs ?? STREAM_CLOSE_TIMEOUT_MS)
  }

  /** Writes what is queued, then closes the stream; resets it if that takes longer than `timeoutMs`. */
  async end (timeoutMs: number): Promise<void> {
    if (this.closed) return
    this.ending = true
    this.writer.end()
    const s = this.stream
    if (s === undefined || this.sinkDone === undefined) { this.close(); return }
    const deadline = performance.now() + timeoutMs
    const drained = await Promise.race([this.sinkDone.then(() => true), delay(timeoutMs).then(() => false)])
    if (!drained) { this.close(new Error('membership stream did not drain in time')); return }
    this.closed = true
    this.links.forget(this)
    this.writer.close()
    await closeOrAbort(s, Math.max(1, deadline - performance.now()))
  }
}

async function closeOrAbort (stream: Stream, timeoutMs: number): Promise<void> {
  try {
    await stream.close({ signal: AbortSignal.timeout(timeoutMs) })
  } catch (err) {
    stream.abort(err as Error)
  }
}

function delay (ms: number): Promise<void> {
  return new Promise(resolve => { const t = setTimeout(resolve, ms); t.unref() })
}
