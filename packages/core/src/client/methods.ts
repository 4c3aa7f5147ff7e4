/**
 * Which hosts of a service have a method. Each peer gossips the callable methods of the services it hosts in its
 * membership record's meta (`methods:<service>` = 'add,divide', beside `idem:<service>`), so that a call goes only
 * to hosts that have its method when two shapes of one service share a cluster (say an old and a new version),
 * and fails with an error naming the shapes when none has it. A service with an `authorize` hook gossips no list
 * (a caller that may not call learns nothing of its methods); nor do peers of earlier versions: such hosts are
 * assumed to have every method, and a NOT_FOUND from one is retried on another host.
 */
import { RpcError } from '../errors.js'

/** Meta key prefix under which a peer gossips the callable methods of a service it hosts. */
export const METHODS_META_PREFIX = 'methods:'

/** The meta entries for the given services: `methods:<service>` = their callable methods, sorted, comma-separated. */
export function methodsMeta (services: ReadonlyArray<{ name: string, methods: Iterable<string>, private?: boolean }>): Record<string, string> {
  const meta: Record<string, string> = {}
  for (const s of services) if (s.private !== true) meta[METHODS_META_PREFIX + s.name] = [...s.methods].sort().join(',')
  return meta
}

/** Whether a host whose record carries `meta` has `service.method` (true when it gossips no method list). */
export function offersMethod (meta: Readonly<Record<string, string>> | undefined, service: string, method: string): boolean {
  const list = meta?.[METHODS_META_PREFIX + service]
  return list === undefined || list.split(',').includes(method)
}

/**
 * The error for a call that no live host can take: NOT_FOUND naming the shapes of the service its live hosts
 * gossip, when there are such hosts but none has the method; undefined when no live member hosts the service at
 * all (that is UNAVAILABLE, the router's own answer).
 */
export function missingMethodError (members: ReadonlyArray<{ state: string, services: readonly string[], meta?: Readonly<Record<string, string>> }>, service: string, method: string): RpcError | undefined {
  const shapes = new Map<string, number>()
  for (const m of members) {
    if (m.state !== 'alive' || !m.services.includes(service)) continue
    const list = m.meta?.[METHODS_META_PREFIX + service]
    if (list === undefined) return undefined // a host that may have it: not this error
    shapes.set(list, (shapes.get(list) ?? 0) + 1)
  }
  if (shapes.size === 0) return undefined
  const described = [...shapes].map(([list, n]) => `${list.split(',').join(', ')} (${n} peer${n === 1 ? '' : 's'})`).join('; ')
  return new RpcError('NOT_FOUND', `${service}.${method}: no live peer hosting ${service} has method ${method}; its hosts offer ${described}`, { service, method, mayHaveExecuted: false })
}
