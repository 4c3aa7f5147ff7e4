/** The contract each benchmarked system implements: a server half (run in a child) and a client half. */

export interface Served {
  /** JSON-serialisable; handed to the client's `connect`. */
  address: unknown
  close(): Promise<void>
}

export interface Connected {
  /** One small call (Calculator.add(1, 2) or its echo equivalent); resolves when the reply has arrived. */
  call(): Promise<unknown>
  close(): Promise<void>
}

export interface Target {
  serve(): Promise<Served>
  connect(address: unknown): Promise<Connected>
}

/** Throws unless the first reply is what the call should return, so no target is measured doing nothing. */
export function check (what: string, got: unknown, want: unknown): void {
  if (got !== want) throw new Error(`${what}: expected ${String(want)}, got ${String(got)}`)
}
