/**
 * Unpatched copies of the dependencies that patches/ changes, for a benchmark that compares a patch against the
 * code it replaces in one run: each patch is reversed on a copy of its package under
 * bench/.pristine/<patch>/node_modules/<package>, and a child started with `pristineEnv` loads that copy instead
 * of the installed one (see loader.ts). The copies resolve their own dependencies from the checkout's node_modules.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'

export interface Patch {
  /** The patch file's name without `.patch`, e.g. `@chainsafe+libp2p-yamux+7.0.4`. */
  name: string
  /** The package it changes, e.g. `@chainsafe/libp2p-yamux`. */
  pkg: string
  /** For a copy nested in another package's node_modules, that package, e.g. `@chainsafe/libp2p-noise`. */
  parent?: string
  /** The folder that holds node_modules/<pkg> (or node_modules/<parent>/node_modules/<pkg>) with the patch reversed. */
  dir: string
}

/** The packages patched by patches/*.patch (patch-package's `<scope>+<name>[++<nested>]+<version>.patch`). */
export function listPatches (root: string): Patch[] {
  const dir = join(root, 'patches')
  if (!existsSync(dir)) return []
  return readdirSync(dir).filter(f => f.endsWith('.patch')).sort().map(f => {
    const name = f.slice(0, -'.patch'.length)
    const chain = name.split('++')
    const last = chain[chain.length - 1].split('+')
    const pkgs = [...chain.slice(0, -1), last.slice(0, -1).join('+')].map(p => p.split('+').join('/'))
    const pkg = pkgs[pkgs.length - 1]
    return { name, pkg, ...(pkgs.length > 1 ? { parent: pkgs[0] } : {}), dir: join(root, 'bench', '.pristine', name) }
  })
}

/** Where the package sits under node_modules: `<pkg>` or `<parent>/node_modules/<pkg>`. */
function installedPath (p: Patch): string {
  return p.parent !== undefined ? join(p.parent, 'node_modules', p.pkg) : p.pkg
}

/** Makes each patch's unpatched copy afresh (copy the installed package, reverse the patch on the copy). */
export function preparePristine (root: string, patches: Patch[]): void {
  for (const p of patches) {
    rmSync(p.dir, { recursive: true, force: true })
    cpSync(join(root, 'node_modules', installedPath(p)), join(p.dir, 'node_modules', installedPath(p)), { recursive: true })
    execFileSync('patch', ['-R', '-p1', '-s', '-d', p.dir, '-i', join(root, 'patches', `${p.name}.patch`)])
  }
}

/** The environment of a child that runs with these patches' packages unpatched. */
export function pristineEnv (patches: Patch[]): Record<string, string> {
  return {
    PEERCALL_PRISTINE: JSON.stringify(patches.map(p => ({
      pkg: p.pkg,
      // resolve from the copy's folder (for a nested copy, from its parent's copy, whose node_modules holds it)
      base: p.parent !== undefined ? join(p.dir, 'node_modules', p.parent) : p.dir,
      ...(p.parent !== undefined ? { scope: `/node_modules/${p.parent}/` } : {})
    })))
  }
}
