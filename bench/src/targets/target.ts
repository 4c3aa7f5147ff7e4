/** The contract each benchmarked system implements: a server half (run in a child) and a client half. */

export interface Served {
  /** JSON-serialisable; handed to the client's `connect`. */
  address: unknown
  close(): Promise<void>
}

export interface ServeOptions {
  /** 0 for the first server of a configuration, 1.. for the others (Moleculer names its nodes by it). */
  index: number
  /** The first server's address, for the others (peercall servers join the first one's cluster). */
  join?: unknown
}

export interface Connected {
  /** One echo call: sends `payload`, resolves with the echoed payload once the reply has arrived. */
  call(payload: string): Promise<unknown>
  close(): Promise<void>
}

export interface Target {
  serve(options: ServeOptions): Promise<Served>
  /** Connects to every server (one address each); the returned `call` spreads calls over them. */
  connect(addresses: unknown[]): Promise<Connected>
}

/** Throws unless the first reply is what the call should return, so no target is measured doing nothing. */
export function check (what: string, got: unknown, want: unknown): void {
  if (got !== want) {
    const show = (v: unknown): string => typeof v === 'string' && v.length > 40 ? `${v.slice(0, 40)}... (${v.length} chars)` : String(v)
    throw new Error(`${what}: expected ${show(want)}, got ${show(got)}`)
  }
}

/** Round-robin over `items`: each call of the returned function gives the next one. */
export function roundRobin<T> (items: readonly T[]): () => T {
  if (items.length === 0) throw new Error('roundRobin: no items')
  let i = 0
  return () => {
    const x = items[i]
    i = i + 1 === items.length ? 0 : i + 1
    return x
  }
}

/** Polls `ready` every `pollMs` until it returns true or `timeoutMs` passes (then throws with `what`). */
export async function waitUntil (what: string, ready: () => boolean, timeoutMs: number, pollMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
}
