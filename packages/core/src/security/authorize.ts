/**
 * Per-service authorization: `register(name, impl, { authorize })` runs the hook before every call to the
 * service, with the caller's peer id as the Noise handshake proved it; a false answer (or a throw) is
 * PERMISSION_DENIED, and the method never runs (`mayHaveExecuted: false`, not retryable).
 */
import { RpcError } from '../errors.js'

/** What an authorization hook sees of a call. */
export interface AuthorizeRequest {
  /** The caller's verified peer id (this peer's own id for a local call). */
  readonly peer: string
  readonly service: string
  readonly method: string
}

/** Answers whether the call may run. */
export type Authorize = (request: AuthorizeRequest) => boolean | Promise<boolean>

/** The error a refused call gets. */
export function permissionDenied (req: AuthorizeRequest, why = 'not authorized'): RpcError {
  return new RpcError('PERMISSION_DENIED', `${req.service}.${req.method}: ${why} for ${req.peer}`, {
    service: req.service, method: req.method, mayHaveExecuted: false, retryable: false
  })
}

/**
 * Runs `authorize` and then `run` if it allowed the call; synchronous when the hook is (no promise per call).
 */
export function authorized (authorize: Authorize, req: AuthorizeRequest, run: () => unknown): unknown {
  let verdict: boolean | Promise<boolean>
  try {
    verdict = authorize(req)
  } catch (err) {
    throw permissionDenied(req, `authorization failed (${(err as Error)?.message ?? String(err)})`)
  }
  if (verdict === true) return run()
  if (verdict !== null && typeof verdict === 'object' && typeof (verdict as Promise<boolean>).then === 'function') {
    return Promise.resolve(verdict).then(
      ok => { if (ok !== true) throw permissionDenied(req); return run() },
      (err: unknown) => { throw permissionDenied(req, `authorization failed (${(err as Error)?.message ?? String(err)})`) }
    )
  }
  throw permissionDenied(req)
}

/**
 * A ready-made hook: methods named in `rules` may be called only by the peers listed for them (`'*'`: anyone);
 * every other method by anyone: `restrictMethods({ put: [admin], delete: [admin] })` makes a read-only service for all but `admin`.
 */
export function restrictMethods (rules: Record<string, readonly string[] | '*'>): Authorize {
  const table = new Map<string, Set<string> | '*'>()
  for (const [method, peers] of Object.entries(rules)) table.set(method, peers === '*' ? '*' : new Set(peers))
  return ({ peer, method }) => {
    const allowed = table.get(method)
    return allowed === undefined || allowed === '*' || allowed.has(peer)
  }
}
