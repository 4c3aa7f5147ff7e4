/**
 * Starts example peers as child processes and reads their `listening` lines.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'

/** The example peer as compiled, loading @peercall/*, libp2p and the rest as separate ES modules from node_modules. */
export const PEER_MODULES_SCRIPT = fileURLToPath(new URL('./peer.js', import.meta.url))

/**
 * The example peer bundled into a few files (`npm run build`: scripts/bundle-peer.mjs). An idle peer holds about
 * 4 MB less from it in a 32-peer cluster, 10 MB less alone (the modules' records and their source text, which V8
 * keeps; docs/performance.md, "Memory of an idle peer"), and starts in 125 ms instead of 290, with the same code.
 */
export const PEER_BUNDLE_SCRIPT = fileURLToPath(new URL('../bundle/peer.js', import.meta.url))

/** The repository's root, from which the bundle's metafile names its inputs. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/**
 * Files a bundle is also built from, beside the compiled files its metafile lists: the bundle script, and npm's
 * record of the last install (`npm ci` and `npm install` rewrite it; the dependencies change only with them).
 */
const BUNDLE_MAKERS = ['scripts/bundle-peer.mjs', 'node_modules/.package-lock.json']

/**
 * Whether the bundle is there and newer than what it was built from: every compiled file of this repository in it
 * (its metafile lists them), the bundle script and the last install.
 */
export function bundleIsCurrent (bundle: string = PEER_BUNDLE_SCRIPT, root: string = REPO_ROOT): boolean {
  try {
    const built = statSync(bundle).mtimeMs
    const meta = JSON.parse(readFileSync(join(bundle, '../meta.json'), 'utf8')) as { inputs: Record<string, unknown> }
    const ours = Object.keys(meta.inputs).filter(i => !i.includes('node_modules/'))
    const makers = BUNDLE_MAKERS.map(m => join(root, m)).filter(m => existsSync(m))
    return [...ours.map(i => join(root, i)), ...makers].every(f => statSync(f).mtimeMs <= built)
  } catch {
    return false
  }
}

/**
 * The script a peer process runs: the bundle, or the modules when the bundle is missing or older than what it was
 * built from (`tsc -b` alone after a change, an install; `npm run build` brings it up to date).
 */
export const PEER_SCRIPT = bundleIsCurrent() ? PEER_BUNDLE_SCRIPT : PEER_MODULES_SCRIPT

/**
 * Node flags of a peer process. `--optimize-for-size`: V8 keeps a small young generation (1 MiB semi-spaces; by
 * default it grows to 32 MiB per semi-space under the steady trickle of gossip and probes and stays committed) and
 * grows the old generation conservatively. An idle peer among 31 others measured 160-216 MB RSS with Node 24's
 * defaults, 122-125 MB with `--max-semi-space-size=4` and 105-112 MB with this flag, with no CPU cost per call that
 * the measurements could tell from their noise (`bench/src/idle`, docs/performance.md, "Memory of an idle peer").
 * `--no-sparkplug`: no baseline machine code for warm functions (they stay in the interpreter until Maglev or
 * Turbofan optimise them); the baseline code of the many functions an idle peer runs now and then, and the malloc
 * memory its background compiles leave behind, cost an idle peer among 31 3-6 MB of RSS, and the hot call path
 * is optimised code either way: calls per second, CPU per call (64 in flight and sequential) and a fresh process's
 * first 1,000 calls measured no slower without it (`bench/src/scale/memory.ts`, `flag-cost.ts`, `bench/src/ramp`).
 */
export const PEER_NODE_FLAGS: readonly string[] = ['--optimize-for-size', '--no-sparkplug']

/**
 * Environment of a peer process, under the parent's own (a variable the parent sets wins). `MALLOC_ARENA_MAX=2`:
 * glibc's malloc gives each thread that allocates its own arena, up to 8 per core, and an arena keeps the memory
 * its thread freed; a peer's V8 worker threads (concurrent GC, background compilation) each filled one. With two
 * arenas an idle peer among 31 others holds about 3 MB less, with no cost in calls per second or CPU per call that
 * `bench/src/scale/flag-cost.ts` could tell; one arena saves 1.7 MB more but costs 7% of the calls per second
 * (docs/performance.md, "Memory of an idle peer").
 */
export const PEER_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' }

export interface PeerProcess {
  child: ChildProcess
  peerId: string
  multiaddrs: string[]
  /** Lines the peer printed after `listening`. */
  events: Array<Record<string, unknown>>
}

export interface StartPeerOptions {
  bootstrap?: string[]
  listen?: string[]
  cluster?: string
  /** Private key file, so that a restarted peer keeps its id. */
  identity?: string
  /** Failure-detection timing of the peer. @default 'lan' */
  profile?: 'lan' | 'fast'
  /** How long to wait for the `listening` line, ms. @default 20000 */
  timeoutMs?: number
  /** Let the peer print `joined` and each membership change (into `events`); off, it runs with `--quiet`. @default false */
  report?: boolean
}

export async function startPeer (options: StartPeerOptions = {}): Promise<PeerProcess> {
  const args = [...PEER_NODE_FLAGS, PEER_SCRIPT]
  for (const l of options.listen ?? ['/ip4/127.0.0.1/tcp/0']) args.push('--listen', l)
  for (const b of options.bootstrap ?? []) args.push('--bootstrap', b)
  if (options.cluster !== undefined) args.push('--cluster', options.cluster)
  if (options.identity !== undefined) args.push('--identity', options.identity)
  if (options.profile !== undefined) args.push('--profile', options.profile)
  if (options.report !== true) args.push('--quiet')
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...PEER_ENV, ...process.env } })
  const lines = createInterface({ input: child.stdout! })
  const events: Array<Record<string, unknown>> = []
  return await new Promise<PeerProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error('peer did not report listening in time'))
    }, options.timeoutMs ?? 20_000)
    child.once('exit', code => {
      clearTimeout(timer)
      reject(new Error(`peer exited with code ${String(code)} before listening`))
    })
    let listening = false
    lines.on('line', line => {
      let msg: Record<string, unknown>
      try { msg = JSON.parse(line) } catch { return }
      if (!listening && msg.event === 'listening') {
        listening = true
        clearTimeout(timer)
        child.removeAllListeners('exit')
        resolve({ child, peerId: msg.peerId as string, multiaddrs: msg.multiaddrs as string[], events })
      } else {
        events.push(msg)
      }
    })
  })
}

/** Sends `signal` and waits for the process to exit (SIGKILL after `timeoutMs`). */
export async function stopPeer (peer: PeerProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<number | null> {
  if (peer.child.exitCode !== null || peer.child.signalCode !== null) return peer.child.exitCode
  return await new Promise(resolve => {
    const timer = setTimeout(() => { peer.child.kill('SIGKILL') }, timeoutMs)
    peer.child.once('exit', code => {
      clearTimeout(timer)
      resolve(code)
    })
    peer.child.kill(signal)
  })
}
