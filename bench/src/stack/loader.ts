/**
 * Module resolution hook (node:module register): a bare import of a package listed in PEERCALL_PRISTINE resolves
 * from that entry's folder, which holds the package's unpatched copy (pristine.ts), from whatever module imports
 * it, or, for a copy nested in another package, from that package's modules (its installed or unpatched copy).
 */
import { pathToFileURL } from 'node:url'

interface Entry { pkg: string, base: string, scope?: string }
type Next = (specifier: string, context: { parentURL?: string }) => Promise<unknown>

const entries: Entry[] = JSON.parse(process.env.PEERCALL_PRISTINE ?? '[]')

export async function resolve (specifier: string, context: { parentURL?: string }, next: Next): Promise<unknown> {
  const hit = entries.find(e => (specifier === e.pkg || specifier.startsWith(e.pkg + '/')) &&
    (e.scope === undefined || (context.parentURL ?? '').includes(e.scope)))
  if (hit === undefined) return await next(specifier, context)
  return await next(specifier, { ...context, parentURL: pathToFileURL(`${hit.base}/index.js`).href })
}
