/**
 * Waiting for the cluster, as Moleculer's `broker.waitForServices`: resolves once a live member (this peer
 * included) hosts each named service, rejects `UNAVAILABLE` naming the missing ones when the time is up.
 * Driven by member events; a slow re-check covers changes that raise no event (this peer's own `register`).
 */
import { RpcError } from '../errors.js'

/** How long `waitForServices` waits when no `timeoutMs` is given, ms (the same as a call's default deadline). */
export const WAIT_FOR_SERVICES_TIMEOUT_MS = 30_000

/** How often the members are re-checked besides on member events, ms (a safety net, not the mechanism). */
export const WAIT_RECHECK_MS = 1_000

/** Member events after which the services may have appeared. */
export const WAIT_EVENTS = ['member:join', 'member:update', 'member:suspect', 'member:dead', 'member:leave'] as const

export interface WaitForServicesOptions {
  /** How long to wait, ms; `0` or `Infinity`: no deadline. @default 30000 */
  timeoutMs?: number
  /** Live hosts each service needs (a client that wants the whole cluster up). @default 1 */
  hosts?: number
  /** Stops the wait: rejects `CANCELLED`. */
  signal?: AbortSignal
}

/** What the wait reads: the members as this peer sees them (itself included), and their events. */
export interface MemberSource {
  members(): ReadonlyArray<{ state: string, services: readonly string[] }>
  addEventListener(type: string, fn: () => void): void
  removeEventListener(type: string, fn: () => void): void
}

/** The names in `names` that fewer than `hosts` live (`alive`) members host. */
export function missingServices (members: ReadonlyArray<{ state: string, services: readonly string[] }>, names: readonly string[], hosts = 1): string[] {
  const hosted = new Map<string, number>()
  for (const m of members) {
    if (m.state !== 'alive') continue
    for (const s of m.services) hosted.set(s, (hosted.get(s) ?? 0) + 1)
  }
  return names.filter(n => (hosted.get(n) ?? 0) < hosts)
}

/** Resolves once every service in `names` has a live host in `source`; see the module comment. */
export async function waitForServices (source: MemberSource, names: string | readonly string[], options: WaitForServicesOptions = {}): Promise<void> {
  const wanted = [...new Set(typeof names === 'string' ? [names] : names)]
  const timeoutMs = options.timeoutMs ?? WAIT_FOR_SERVICES_TIMEOUT_MS
  if (!(timeoutMs >= 0)) throw new RpcError('INVALID_ARGUMENT', `waitForServices: timeoutMs must be a number >= 0, not ${String(timeoutMs)}`, { mayHaveExecuted: false })
  const hosts = options.hosts ?? 1
  if (!(hosts >= 1)) throw new RpcError('INVALID_ARGUMENT', `waitForServices: hosts must be a number >= 1, not ${String(hosts)}`, { mayHaveExecuted: false })
  const missing = (): string[] => missingServices(source.members(), wanted, hosts)
  if (missing().length === 0) return
  const signal = options.signal
  if (signal?.aborted === true) throw cancelled(wanted)
  await new Promise<void>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const check = (): void => {
      if (missing().length === 0) { done(); resolve() }
    }
    const recheck = setInterval(check, WAIT_RECHECK_MS)
    recheck.unref()
    const onAbort = (): void => { done(); reject(cancelled(wanted)) }
    const done = (): void => {
      clearInterval(recheck)
      if (timer !== undefined) clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      for (const type of WAIT_EVENTS) source.removeEventListener(type, check)
    }
    for (const type of WAIT_EVENTS) source.addEventListener(type, check)
    signal?.addEventListener('abort', onAbort, { once: true })
    if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
      timer = setTimeout(() => {
        const left = missing()
        done()
        if (left.length === 0) resolve()
        else reject(new RpcError('UNAVAILABLE', `${hosts === 1 ? 'no live peer hosts' : `fewer than ${hosts} live peers host`} ${left.join(', ')} after waiting ${timeoutMs} ms`, { service: left[0], mayHaveExecuted: false }))
      }, timeoutMs)
    }
  })
}

function cancelled (names: string[]): RpcError {
  return new RpcError('CANCELLED', `waiting for ${names.join(', ')}: cancelled`, { service: names[0], mayHaveExecuted: false })
}
