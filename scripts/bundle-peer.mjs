#!/usr/bin/env node
/**
 * `node scripts/bundle-peer.mjs` (run by `npm run build`, after `tsc -b`): bundles the example peer
 * (examples/dist/src/peer.js and everything it imports: @peercall/*, libp2p, gossipsub, ...) into
 * examples/dist/bundle/, the script the launcher, the supervisor and `npm run peer` start.
 *
 * Why: a peer process that loads ~540 ES modules from node_modules keeps each module's record and its full source
 * text (V8 holds the source for lazy compilation), comments included. One bundle with whitespace and comments
 * removed holds the same code in far less memory: an idle example peer measured about 4 MB less RSS bundled in a 32-peer
 * cluster, and 84 against 74 MB alone (docs/performance.md, "Memory of an idle peer").
 *
 * - Identifiers are not renamed and `keepNames` keeps every function's and class's `name` (error names, stack
 *   traces); the linked source map gives the original files under `node --enable-source-maps`.
 * - `splitting`: what the peer imports only when an option asks for it (the metrics and the dashboard, pnet, mDNS)
 *   stays in chunks of its own, loaded on first use, as with the modules.
 * - The bundle is built from node_modules as installed, so the patches in patches/ are in it; packages that load a
 *   native addon from their own directory (NATIVE below) stay outside it and load from node_modules.
 * - `meta.json` is esbuild's metafile (inputs and outputs of every chunk, paths from the repository's root): the
 *   launcher reads it to tell whether the bundle is older than the compiled files it was built from, and
 *   examples/test/bundle.test.ts to check what loads at start.
 */
import { rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'

const ROOT = resolve(import.meta.dirname, '..')
const ENTRY = join(ROOT, 'examples/dist/src/peer.js')
const OUT_DIR = join(ROOT, 'examples/dist/bundle')

/** CommonJS dependencies (prom-client and its own) call `require`, which an ES module has not: one per chunk. */
const REQUIRE_SHIM = "import { createRequire as __peercallCreateRequire } from 'node:module'; const require = __peercallCreateRequire(import.meta.url);"

/**
 * Left to Node's own resolution from node_modules (through the `require` shim): packages that find a native addon
 * beside their own files (`__dirname`, which a bundle has not). msgpackr's optional native decoder: bundled, its
 * loader would throw inside msgpackr's try and the peer would decode in JavaScript without a word.
 */
const NATIVE = ['msgpackr-extract']

rmSync(OUT_DIR, { recursive: true, force: true })
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { peer: ENTRY },
  outdir: OUT_DIR,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  sourcemap: 'linked',
  banner: { js: REQUIRE_SHIM },
  external: NATIVE,
  metafile: true,
  logLevel: 'warning'
})
writeFileSync(join(OUT_DIR, 'meta.json'), JSON.stringify(result.metafile))
