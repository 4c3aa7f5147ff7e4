/**
 * The Node.js version check: the pure rule, and, when this machine has a Node older than 22 on its PATH besides
 * the pinned one, what a user sees who runs the library or the `peercall` command on it.
 */
import test from 'ava'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MIN_NODE_MAJOR, nodeVersionProblem } from '../src/node-version.js'
import { CLI } from './helpers/cli.js'

test('nodeVersionProblem: Node 22 and later pass; older ones are told what to do', t => {
  t.is(MIN_NODE_MAJOR, 22)
  for (const v of ['v22.0.0', 'v24.9.0', '25.1.0', 'v100.0.0']) t.is(nodeVersionProblem(v), undefined, v)
  for (const v of ['v20.20.2', 'v18.0.0', 'v21.7.3', 'garbage']) {
    const p = nodeVersionProblem(v, '/usr/bin/node')
    t.truthy(p, v)
    t.true(p?.startsWith('peercall needs Node.js 22 or later'), p)
    t.true(p?.includes(`this is Node ${v} (/usr/bin/node)`), p)
    t.true(p?.includes('npx node <file>'), p)
  }
})

/** A `node` on the PATH, outside node_modules/.bin, older than Node 22; undefined if there is none. */
function oldNode (): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '' || dir.includes('node_modules')) continue
    const candidate = join(dir, 'node')
    if (!existsSync(candidate)) continue
    try {
      const v = execFileSync(candidate, ['--version'], { encoding: 'utf8', timeout: 5000 }).trim()
      if (nodeVersionProblem(v) !== undefined) return candidate
    } catch { /* not runnable */ }
  }
  return undefined
}

const old = oldNode()
const withOld = old === undefined ? test.skip : test

withOld(`on an old Node (${old ?? 'none on the PATH'}): the library throws the clear error before any dependency loads; the CLI prints one line and exits 1`, t => {
  const index = new URL('../src/index.js', import.meta.url).href
  const lib = spawnSync(old as string, ['--input-type=module', '-e', `await import(${JSON.stringify(index)})`], { encoding: 'utf8', timeout: 20_000 })
  t.not(lib.status, 0)
  t.regex(lib.stderr, /Error: peercall needs Node\.js 22 or later/)
  t.notRegex(lib.stderr, /withResolvers is not a function/)
  const start = performance.now()
  const cli = spawnSync(old as string, [CLI, 'call', 'Calculator.add', '1', '2'], { encoding: 'utf8', timeout: 20_000 })
  t.is(cli.status, 1)
  t.is(cli.stdout, '')
  t.is(cli.stderr.trim().split('\n').length, 1, cli.stderr)
  t.regex(cli.stderr, /^peercall needs Node\.js 22 or later .*`npx peercall \.\.\.`/)
  t.true(performance.now() - start < 10_000)
  t.true(fileURLToPath(index).endsWith('index.js'))
})
