/**
 * The history a Jepsen-style run records: every operation with its invocation and completion times (ms since
 * the epoch, one machine's clock shared by every process) and its outcome, and the convergence measured after
 * each heal.
 */

/** ok: it happened; fail: it certainly did not (the error says it did not run); info: unknown (a write may have). */
export type Outcome = 'ok' | 'fail' | 'info'

export interface Op {
  /** Client process and worker, e.g. 'c0w2'. */
  process: string
  f: 'write' | 'read' | 'final-read' | 'calc'
  key?: string
  /** write: the value written; read: the value returned (null for none). */
  value?: string | null
  start: number
  end: number
  outcome: Outcome
  error?: string
}

/** How long the cluster took to show one view after a heal, ms (-1: not within the bound). */
export interface Convergence {
  label: string
  at: number
  ms: number
}

/** A value written to a key: `<key>=<seq>`, seq counting from 1 per key (one writer per key). */
export function valueOf (key: string, seq: number): string {
  return `${key}=${seq}`
}

/** The sequence number in a value written by `valueOf`, or undefined if the value is not one. */
export function seqOf (key: string, value: unknown): number | undefined {
  if (typeof value !== 'string' || !value.startsWith(key + '=')) return undefined
  const n = Number(value.slice(key.length + 1))
  return Number.isSafeInteger(n) && n > 0 ? n : undefined
}
