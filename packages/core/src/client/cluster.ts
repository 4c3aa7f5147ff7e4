/**
 * The cluster as the router sees it: which peers host a service, their gossiped load, and which methods their
 * owners declared idempotent. Built from membership records; cached per service until membership changes.
 */
import { MEMBER_EVENTS } from '@peercall/membership'
import { offersMethod } from './methods.js'
import { departedClient } from './role.js'
import type { Candidate } from '@peercall/balancer'
import type { Member, Membership } from '@peercall/membership'

/** Meta key prefix under which a peer gossips the idempotent methods of a service: `idem:<service>` = 'a,b'. */
export const IDEMPOTENT_META_PREFIX = 'idem:'

export interface LocalHost {
  readonly peerId: string
  hosts(service: string): boolean
  /** Whether this peer's registered `service` has `method`. */
  hasMethod?(service: string, method: string): boolean
  load(): { inflight: number, latencyMs: number }
  idempotent(service: string, method: string): boolean | undefined
}

export class ClusterView {
  private readonly membership: Membership
  private readonly local: LocalHost
  /** Candidate lists by service, then by method ('' for any), without and with suspects: no key is built per call. */
  private readonly cache = new Map<string, Map<string, Candidate[]>>()
  private readonly cacheWithSuspects = new Map<string, Map<string, Candidate[]>>()
  private readonly loadAt = new Map<string, number>()
  /** Idempotency declared by the hosts, by service then method (no key string made per call). */
  private readonly idempotentCache = new Map<string, Map<string, boolean>>()
  /** The last look-up without suspects (service, method and list), until something changes. */
  private lastService = ''
  private lastMethod: string | undefined = undefined
  private lastList: Candidate[] | undefined = undefined

  constructor (membership: Membership, local: LocalHost) {
    this.membership = membership
    this.local = local
    const changed = (e: Event): void => {
      const m = (e as CustomEvent<Member>).detail
      if (m !== undefined) this.loadAt.set(m.peerId, Date.now())
      this.invalidate()
    }
    for (const type of MEMBER_EVENTS) {
      membership.addEventListener(type, changed)
    }
  }

  /** Drops cached candidate lists (membership or local services changed). */
  invalidate (): void {
    this.lastList = undefined
    this.cache.clear()
    this.cacheWithSuspects.clear()
    this.idempotentCache.clear()
  }

  /**
   * Peers that can take a call to `service` (and `method`, when given: hosts whose record lists the service's
   * methods without it are left out): alive members hosting it, and this peer if it does. Suspect members
   * (SWIM suspicion is not death) are included when `withSuspects` is set, as hash routing wants so that a
   * false suspicion does not move keys, or when no alive member hosts the service.
   * The same array is returned until something changes, so the balancer can keep its snapshot.
   */
  candidates (service: string, withSuspects = false, method?: string): Candidate[] {
    // the list of the last look-up without suspects, while nothing changed: most calls go to one service
    if (service === this.lastService && method === this.lastMethod && !withSuspects && this.lastList !== undefined) return this.lastList
    const list = this.lookUp(service, withSuspects, method)
    if (!withSuspects) {
      this.lastService = service
      this.lastMethod = method
      this.lastList = list
    }
    return list
  }

  private lookUp (service: string, withSuspects: boolean, method: string | undefined): Candidate[] {
    const byService = withSuspects ? this.cacheWithSuspects : this.cache
    let byMethod = byService.get(service)
    const cached = byMethod?.get(method ?? '')
    if (cached !== undefined) return cached
    const alive: Candidate[] = []
    const suspect: Candidate[] = []
    for (const m of this.membership.members()) {
      if (m.self === true || m.peerId === this.local.peerId) continue
      if (!m.services.includes(service)) continue
      if (method !== undefined && !offersMethod(m.meta, service, method)) continue
      const c: Candidate = { peerId: m.peerId, load: { inflight: m.load.inflight, latencyMs: m.load.latencyMs, cpu: m.load.cpu, eventLoopDelayMs: m.load.eventLoopDelayMs, at: this.loadAt.get(m.peerId) } }
      if (m.state === 'alive') alive.push(c)
      else if (m.state === 'suspect') suspect.push(c)
    }
    const list = withSuspects || alive.length === 0 ? alive.concat(suspect) : alive
    if (this.local.hosts(service) && (method === undefined || this.local.hasMethod?.(service, method) !== false)) {
      list.push({ peerId: this.local.peerId, local: true, load: this.localLoad() })
    }
    if (byMethod === undefined) byService.set(service, byMethod = new Map())
    byMethod.set(method ?? '', list)
    return list
  }

  private localLoad (): Candidate['load'] {
    const l = this.local.load()
    return { inflight: l.inflight, latencyMs: l.latencyMs, at: Date.now() }
  }

  /** Whether `service.method` is idempotent, as declared by its hosts (any host declaring it suffices). */
  idempotent (service: string, method: string): boolean {
    // cached with this peer's own answer too: registering or removing a service invalidates the view
    let byMethod = this.idempotentCache.get(service)
    let known = byMethod?.get(method)
    if (known === undefined) {
      const metaKey = IDEMPOTENT_META_PREFIX + service
      known = this.local.idempotent(service, method) ?? this.membership.members().some(m => m.meta?.[metaKey]?.split(',').includes(method) === true)
      if (byMethod === undefined) this.idempotentCache.set(service, byMethod = new Map())
      byMethod.set(method, known)
    }
    return known
  }

  /** The members to show and count: all that membership knows, less the clients that have left (client/role.ts). */
  members (): Member[] {
    const all = this.membership.members()
    return all.some(departedClient) ? all.filter(m => !departedClient(m)) : all
  }
}
