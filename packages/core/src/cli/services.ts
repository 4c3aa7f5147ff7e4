/**
 * Services for `peercall node --service <module>`: the module's default export is one service
 * `{ name, impl, options }`, an array of them, or a map `{ Name: { impl, options } }`.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { RegisterOptions, ServiceImpl } from '../index.js'

export interface ServiceSpec {
  name: string
  impl: ServiceImpl
  options?: RegisterOptions
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object'

/** The services a module's default export describes; throws with the module's path when it describes none. */
export function servicesOf (exported: unknown, where: string): ServiceSpec[] {
  const one = (v: unknown, name?: string): ServiceSpec => {
    if (!isObject(v) || !isObject(v.impl)) throw new Error(`${where}: ${name ?? 'the default export'} must be { name, impl, options } with impl an object of methods`)
    const n = typeof v.name === 'string' ? v.name : name
    if (n === undefined || n.length === 0) throw new Error(`${where}: a service needs a name`)
    return { name: n, impl: v.impl as ServiceImpl, options: v.options as RegisterOptions | undefined }
  }
  if (Array.isArray(exported)) return exported.map(v => one(v))
  if (!isObject(exported)) throw new Error(`${where}: the default export must describe services ({ name, impl, options }, an array, or a map of them)`)
  if (typeof exported.name === 'string' && isObject(exported.impl)) return [one(exported)]
  const entries = Object.entries(exported)
  if (entries.length === 0) throw new Error(`${where}: the default export has no services`)
  return entries.map(([name, v]) => one(v, name))
}

/** Imports a service module: a file (relative to the working directory) or, when no such file exists, a package. */
export async function loadServices (specifier: string): Promise<ServiceSpec[]> {
  // a path (relative to the working directory, with or without ./) when such a file exists, else a package name
  const isPath = specifier.startsWith('.') || specifier.startsWith('/') || existsSync(resolve(specifier))
  const url = isPath ? pathToFileURL(resolve(specifier)).href : specifier
  let mod: { default?: unknown }
  try {
    mod = await import(url)
  } catch (err) {
    throw new Error(`cannot load service module ${specifier}: ${(err as Error).message}`)
  }
  if (mod.default === undefined) throw new Error(`${specifier}: no default export (export default { name, impl, options })`)
  return servicesOf(mod.default, specifier)
}
