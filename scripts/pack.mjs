#!/usr/bin/env node
/**
 * `npm run pack [-- --out <dir>]`: the three publishable packages as npm tarballs (default dist/pack/), each
 * packed from a staged copy of its `files` whose package.json is the one a user installs:
 * - `engines` stamped here (the workspaces carry none, so that `npm ci` on an older host Node, whose scripts run
 *   the pinned Node 24, prints no EBADENGINE line per workspace);
 * - no `scripts` (core's `prepare` builds it in this repository; the tarball holds the built JS and types, so a user
 *   installs no build step) and no `devDependencies`;
 * - `@peercall/*` dependencies must name exactly the version of the package beside them, else nothing is packed.
 * Prints one line per tarball; exits 1 on any problem.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const ROOT = resolve(import.meta.dirname, '..')
/** The packages, in dependency order, and the Node.js each needs: balancer is plain JS (its tests pass on Node 20); membership and core load libp2p 2.x, which calls Promise.withResolvers (Node 22). */
const PACKAGES = [
  { dir: 'packages/balancer', node: '>=20' },
  { dir: 'packages/membership', node: '>=22' },
  { dir: 'packages/core', node: '>=22' }
]
/** Package.json fields that do not reach the tarball. */
const DROPPED = ['scripts', 'devDependencies', 'private']

const { values } = parseArgs({ options: { out: { type: 'string', default: join(ROOT, 'dist', 'pack') } } })
const out = resolve(values.out)

const manifests = PACKAGES.map(p => ({ ...p, pkg: JSON.parse(readFileSync(join(ROOT, p.dir, 'package.json'), 'utf8')) }))
const versions = new Map(manifests.map(m => [m.pkg.name, m.pkg.version]))
const problems = []
for (const { pkg } of manifests) {
  for (const [dep, range] of Object.entries(pkg.dependencies ?? {})) {
    if (!dep.startsWith('@peercall/')) continue
    if (!versions.has(dep)) problems.push(`${pkg.name} depends on ${dep}, which is not packed`)
    else if (range !== versions.get(dep)) problems.push(`${pkg.name} depends on ${dep}@${range}, but ${dep} is ${versions.get(dep)}: set the dependency to exactly ${versions.get(dep)}`)
  }
}
for (const { dir, pkg } of manifests) {
  if (!existsSync(join(ROOT, dir, 'dist', 'src', 'index.js'))) problems.push(`${pkg.name} is not built: run npm run build`)
}
if (problems.length > 0) {
  for (const p of problems) process.stderr.write(`npm run pack: ${p}\n`)
  process.exit(1)
}

mkdirSync(out, { recursive: true })
for (const f of readdirSync(out)) if (f.startsWith('peercall-') && f.endsWith('.tgz')) rmSync(join(out, f))
const stage = mkdtempSync(join(tmpdir(), 'peercall-pack-'))
try {
  for (const { dir, node, pkg } of manifests) {
    const from = join(ROOT, dir)
    const to = join(stage, pkg.name.replace('/', '-'))
    mkdirSync(to)
    for (const entry of [...(pkg.files ?? []), 'README.md', 'LICENSE']) {
      if (existsSync(join(from, entry))) cpSync(join(from, entry), join(to, entry), { recursive: true, filter: src => !src.endsWith('.tsbuildinfo') })
    }
    const published = { ...pkg, engines: { node } }
    for (const field of DROPPED) delete published[field]
    writeFileSync(join(to, 'package.json'), JSON.stringify(published, null, 2) + '\n')
    const [result] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: to, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }))
    process.stdout.write(`${join(out, result.filename)}  ${pkg.name}@${pkg.version}  ${result.entryCount} files, ${(result.size / 1024).toFixed(0)} KiB\n`)
  }
} finally {
  rmSync(stage, { recursive: true, force: true })
}
