/**
 * Registered services and the methods of each that may be called.
 */
import { RpcError } from '../errors.js'
import { authorized } from '../security/authorize.js'
import type { Authorize } from '../security/authorize.js'

export interface RegisterOptions {
  /** Methods that are safe to run more than once (retried and hedged by callers), or true for all. */
  idempotent?: readonly string[] | boolean
  /**
   * Health check, run every second: while it returns false (or throws, or takes longer than a second) the
   * service is withdrawn from this peer's membership record and callers route elsewhere.
   */
  health?: () => boolean | Promise<boolean>
  /**
   * Authorization, run before every call: sees the caller's verified peer id, the service and the method; false
   * (or a throw) answers PERMISSION_DENIED and the method does not run. @default every caller may call every method
   */
  authorize?: Authorize
}

export type ServiceImpl = object

/** What the registry needs of a call. */
export interface Callee {
  readonly peer: string
  readonly service: string
  readonly method: string
}

export interface ServiceEntry {
  readonly name: string
  readonly impl: ServiceImpl
  /** The callable methods: own and class-prototype functions, never those of Object.prototype. */
  readonly methods: ReadonlyMap<string, (...args: any[]) => unknown>
  readonly idempotent: ReadonlySet<string>
  readonly health: (() => boolean | Promise<boolean>) | undefined
  readonly authorize: Authorize | undefined
}

/** Names that are never callable, whatever the implementation holds. */
const FORBIDDEN = new Set(['constructor', '__proto__', 'prototype', 'then'])

/**
 * The functions of `impl` that a remote may call: its own function-valued properties and those of its class
 * prototypes, stopping at Object.prototype (so toString, hasOwnProperty, __defineGetter__ and friends are out).
 */
export function callableMethods (impl: ServiceImpl): Map<string, (...args: any[]) => unknown> {
  const methods = new Map<string, (...args: any[]) => unknown>()
  for (let o: object | null = impl; o !== null && o !== Object.prototype && o !== Function.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (FORBIDDEN.has(name) || methods.has(name)) continue
      const desc = Object.getOwnPropertyDescriptor(o, name)
      if (desc !== undefined && typeof desc.value === 'function') methods.set(name, desc.value)
    }
  }
  return methods
}

export class Registry {
  private readonly services = new Map<string, ServiceEntry>()

  register (name: string, impl: ServiceImpl, options: RegisterOptions = {}): ServiceEntry {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('service name must be a non-empty string')
    if (impl === null || typeof impl !== 'object') throw new TypeError(`service ${name}: implementation must be an object`)
    if (this.services.has(name)) throw new Error(`service ${name} is already registered`)
    const methods = callableMethods(impl)
    if (methods.size === 0) throw new TypeError(`service ${name} has no methods`)
    const idem = options.idempotent === true
      ? new Set(methods.keys())
      : new Set(options.idempotent === false || options.idempotent === undefined ? [] : options.idempotent)
    for (const m of idem) if (!methods.has(m)) throw new TypeError(`service ${name}: idempotent method ${m} does not exist`)
    if (options.authorize !== undefined && typeof options.authorize !== 'function') throw new TypeError(`service ${name}: authorize must be a function`)
    const entry: ServiceEntry = { name, impl, methods, idempotent: idem, health: options.health, authorize: options.authorize }
    this.services.set(name, entry)
    return entry
  }

  unregister (name: string): boolean {
    return this.services.delete(name)
  }

  get (name: string): ServiceEntry | undefined {
    return this.services.get(name)
  }

  has (name: string): boolean {
    return this.services.has(name)
  }

  names (): string[] {
    return [...this.services.keys()]
  }

  /** Runs one call (the caller runs it in its context); throws NOT_FOUND for an unknown service or method. */
  invoke (ctx: Callee, args: unknown[]): unknown {
    const entry = this.services.get(ctx.service)
    if (entry === undefined) {
      throw new RpcError('NOT_FOUND', `no service ${ctx.service} on this peer`, { service: ctx.service, method: ctx.method, mayHaveExecuted: false, retryable: true })
    }
    // authorization comes before the method lookup, so a caller that may not call learns nothing of the methods
    if (entry.authorize !== undefined) {
      return authorized(entry.authorize, { peer: ctx.peer, service: ctx.service, method: ctx.method }, () => this.run(entry, ctx, args))
    }
    return this.run(entry, ctx, args)
  }

  private run (entry: ServiceEntry, ctx: Callee, args: unknown[]): unknown {
    const fn = entry.methods.get(ctx.method)
    if (fn === undefined) {
      throw new RpcError('NOT_FOUND', `service ${ctx.service} has no method ${ctx.method}`, { service: ctx.service, method: ctx.method, mayHaveExecuted: false })
    }
    return fn.apply(entry.impl, args)
  }
}
