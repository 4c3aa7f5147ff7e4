/**
 * A failure to listen, in peercall's words: libp2p reports a port in use as "Some configured addresses failed to
 * be listened on ... set `transportManager.faultTolerance` to NO_FATAL", advice that does not apply to a peer.
 */
import { RpcError } from './errors.js'

/** What to do about a socket error code met while listening on `where` (`what` says for what). */
const ADVICE: Record<string, string> = {
  EADDRINUSE: 'the port is in use (another peer, or an earlier one still stopping?): choose another port, or port 0 for any free one',
  EADDRNOTAVAIL: 'that address is not one of this machine\'s: listen on one of its addresses, 127.0.0.1 or 0.0.0.0',
  EACCES: 'permission denied (ports below 1024 need privileges): choose a port above 1023'
}

/**
 * `err` as an RpcError UNAVAILABLE that names the address and says what to do, when it is a listen failure with a
 * known socket error code; `err` itself otherwise.
 */
export function explainListenError (err: unknown, what: string, addrs: readonly string[]): unknown {
  const text = err instanceof Error ? `${err.message} ${String((err as { code?: unknown }).code ?? '')}` : String(err)
  const code = Object.keys(ADVICE).find(c => text.includes(c))
  if (code === undefined) return err
  // libp2p lists each address that failed on its own line: name those, else all that were asked for
  const failed = addrs.filter(a => text.includes(a))
  return new RpcError('UNAVAILABLE', `cannot ${what} on ${(failed.length > 0 ? failed : addrs).join(', ')}: ${ADVICE[code]}`, { mayHaveExecuted: false, retryable: false, cause: err })
}
