/**
 * An in-memory duplex pair for session tests: what one side's sink consumes, the other side's source yields.
 */
import type { ByteStream } from '../../src/wire/session.js'

class Channel {
  private readonly items: Uint8Array[] = []
  private waiter: (() => void) | undefined
  private ended = false
  private error: Error | undefined

  push (chunk: Uint8Array): void {
    this.items.push(chunk)
    this.notify()
  }

  end (err?: Error): void {
    this.ended = true
    this.error ??= err
    this.notify()
  }

  private notify (): void {
    const w = this.waiter
    this.waiter = undefined
    w?.()
  }

  async * iterate (): AsyncGenerator<Uint8Array> {
    while (true) {
      if (this.items.length > 0) {
        yield this.items.shift() as Uint8Array
        continue
      }
      if (this.ended) {
        if (this.error !== undefined) throw this.error
        return
      }
      await new Promise<void>(resolve => { this.waiter = resolve })
    }
  }
}

export interface MemoryEnd extends ByteStream {
  /** Bytes this end wrote, in order (for assertions). */
  written: Uint8Array[]
  /** Injects raw bytes as if the remote had written them. */
  inject(bytes: Uint8Array): void
  /** Ends what the remote sees, as a dropped connection would. */
  drop(err?: Error): void
  aborted: Error | undefined
  closed: boolean
  /** Holds the next chunk taken from the sink's source until resumeWrites (a remote that does not read). */
  pauseWrites(): void
  resumeWrites(): void
}

export function memoryPair (): [MemoryEnd, MemoryEnd] {
  const ab = new Channel()
  const ba = new Channel()
  const make = (incoming: Channel, outgoing: Channel): MemoryEnd => {
    let gate: Promise<void> | undefined
    let release: (() => void) | undefined
    const end: MemoryEnd = {
      pauseWrites () { gate ??= new Promise<void>(resolve => { release = resolve }) },
      resumeWrites () { release?.(); gate = undefined },
      written: [],
      aborted: undefined,
      closed: false,
      source: incoming.iterate(),
      async sink (source) {
        for await (const chunk of source) {
          if (gate !== undefined) await gate
          end.written.push(chunk)
          outgoing.push(chunk)
        }
        outgoing.end()
      },
      async close () {
        end.closed = true
        outgoing.end()
      },
      abort (err: Error) {
        end.aborted = err
        outgoing.end(err)
        incoming.end(err)
      },
      inject (bytes: Uint8Array) {
        incoming.push(bytes)
      },
      drop (err?: Error) {
        incoming.end(err)
        outgoing.end(err)
      }
    }
    return end
  }
  return [make(ba, ab), make(ab, ba)]
}
