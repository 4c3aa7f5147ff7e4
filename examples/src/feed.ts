/**
 * Streaming services of the example peer: a live price feed (server streaming), a file upload (client
 * streaming) and a running average (bidi). Handlers are plain async generators and `for await` loops over
 * `callContext().input`; peercall does the flow control, cancellation and deadlines.
 */
import { createHash } from 'node:crypto'
import { callContext } from '@peercall/core'

export interface Tick { symbol: string, price: number, at: number }

/** Waits `ms`, or until the call is cancelled (a handler that waits watches its call's signal). */
async function pause (ms: number): Promise<void> {
  const signal = callContext()?.signal
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason) }, { once: true })
  })
}

export const feed = {
  /** Live prices: one tick per symbol every `everyMs` until the caller leaves the loop (or `count` ticks). */
  async * prices (symbols: string[], everyMs = 100, count = Infinity): AsyncGenerator<Tick> {
    const price = new Map(symbols.map((s, i) => [s, 100 + 10 * i]))
    for (let n = 0; n < count; n++) {
      for (const symbol of symbols) {
        const next = Math.max(1, (price.get(symbol) ?? 100) * (1 + (Math.random() - 0.5) / 50))
        price.set(symbol, next)
        yield { symbol, price: Math.round(next * 100) / 100, at: Date.now() }
      }
      await pause(everyMs)
    }
  },

  /** An upload: reads the caller's chunks as they arrive and answers their size and SHA-256. */
  async upload (name: string): Promise<{ name: string, bytes: number, chunks: number, sha256: string }> {
    const hash = createHash('sha256')
    let bytes = 0
    let chunks = 0
    for await (const chunk of callContext()?.input as AsyncIterable<Uint8Array>) {
      hash.update(chunk)
      bytes += chunk.byteLength
      chunks++
    }
    return { name, bytes, chunks, sha256: hash.digest('hex') }
  },

  /** Bidi: the running average of the numbers sent so far, one answer per number, as each arrives. */
  async * average (): AsyncGenerator<number> {
    let sum = 0
    let n = 0
    for await (const x of callContext()?.input as AsyncIterable<number>) {
      sum += x
      n++
      yield sum / n
    }
  }
}

export type Feed = typeof feed
