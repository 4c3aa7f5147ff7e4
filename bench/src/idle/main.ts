/**
 * `node bench/dist/src/idle/main.js [--peers 31] [--per-process 4] [--rounds 2] [--settle 20000] [--sample 10000]
 * [--variants default,...] [--snapshot dir]`: the memory of an idle peer in a cluster of `peers + 1`. The background
 * peers (`per-process` per process) start once; then the measured peer is started, measured and stopped once per
 * variant per round, variants alternating, each in a fresh process. A variant is a set of Node flags of the
 * measured process, and environment variables (`NAME=value` among the flags); `--variant 'name=flags'` (repeatable)
 * adds one. Prints RSS (no forced GC: what `ps` shows), heap and the V8 spaces that hold most of it.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnNode, type Child } from '../harness/spawn.js'
import { median } from '../harness/stats.js'
import { splitVariant, variantArgs } from '../harness/variants.js'

const PEERS = fileURLToPath(new URL('./peers.js', import.meta.url))
const MEASURED = fileURLToPath(new URL('./measured.js', import.meta.url))

/** Node flag sets of the measured process; `default` is none. */
const VARIANTS: Record<string, string[]> = {
  default: [],
  'semi-space max 1 MiB': ['--max-semi-space-size=1'],
  'semi-space max 4 MiB': ['--max-semi-space-size=4'],
  'optimize for size': ['--optimize-for-size']
}

function arg (name: string, fallback: string): string {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : fallback
}

interface Space { committedMB: number, usedMB: number }
interface Idle { joinedMs: number, membersAlive: number, connections: number, rssMB: number, anonymousMB: number, fileMB: number, heapTotalMB: number, heapUsedMB: number, externalMB: number, arrayBuffersMB: number, afterGc: { rssMB: number, anonymousMB: number, heapUsedMB: number, heapTotalMB: number }, spaces: Record<string, Space> }

async function main (): Promise<void> {
  const peers = Number(arg('--peers', '31'))
  const perProcess = Number(arg('--per-process', '4'))
  const rounds = Number(arg('--rounds', '2'))
  const settle = arg('--settle', '20000')
  const sample = arg('--sample', '10000')
  const extraVariants = variantArgs(process.argv)
  Object.assign(VARIANTS, extraVariants)
  const extra = Object.keys(extraVariants)
  const names = [...arg('--variants', extra.length > 0 ? '' : Object.keys(VARIANTS).join(',')).split(',').filter((n) => n !== ''), ...extra]
  const snapshotDir = arg('--snapshot', '')
  if (snapshotDir !== '') mkdirSync(snapshotDir, { recursive: true })
  const background: Child[] = []
  const results = new Map<string, Idle[]>(names.map((n) => [n, []]))
  try {
    let seed: string | undefined
    for (let started = 0; started < peers; started += perProcess) {
      const n = Math.min(perProcess, peers - started)
      const child = spawnNode(PEERS, seed === undefined ? [String(n)] : [String(n), seed], `peers ${background.length}`)
      background.push(child)
      const ready = await child.waitFor<{ address: string }>('ready', 120_000)
      seed ??= ready.address
    }
    process.stderr.write(`${peers} background peers up\n`)
    for (let round = 0; round < rounds; round++) {
      for (const name of names) {
        const flags = VARIANTS[name]
        if (flags === undefined) throw new Error(`unknown variant ${name}`)
        const snapshot = snapshotDir !== '' && round === 0 ? [join(snapshotDir, `${name.replace(/\W+/g, '-')}.heapsnapshot`)] : []
        const { flags: nodeFlags, env } = splitVariant(flags)
        const measured = spawnNode(MEASURED, [seed!, String(peers), settle, sample, ...snapshot], `measured ${name}`, undefined, env, nodeFlags)
        try {
          const { idle } = await measured.waitFor<{ idle: Idle }>('idle', 300_000)
            .catch((err: Error) => { process.stderr.write(`round ${round + 1} ${name}: ${err.message.split('\n')[0]}\n`); return { idle: undefined } })
          if (idle === undefined) continue
          results.get(name)!.push(idle)
          process.stderr.write(`round ${round + 1} ${name}: RSS ${idle.rssMB} MB (anonymous ${idle.anonymousMB}, files ${idle.fileMB}; ${idle.membersAlive} members alive), heap used ${idle.heapUsedMB} / total ${idle.heapTotalMB} MB, new space ${idle.spaces.new_space?.committedMB} MB, ${idle.connections} connections, joined in ${idle.joinedMs} ms; after a full GC RSS ${idle.afterGc.rssMB} MB, anonymous ${idle.afterGc.anonymousMB}, heap used ${idle.afterGc.heapUsedMB} / total ${idle.afterGc.heapTotalMB} MB\n`)
        } finally {
          await measured.stop()
        }
      }
    }
  } finally {
    await Promise.all(background.map(async (c) => { await c.stop() }))
  }
  const med = (xs: number[]): string => (Math.round(median(xs) * 10) / 10).toFixed(1)
  console.log(`| measured peer (Node flags) | runs | RSS MB | anonymous MB | mapped files MB | heap used MB | heap total MB | new space committed MB | old space committed MB | code space MB | external MB | array buffers MB | connections | after a full GC: RSS MB | heap used MB |`)
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
  for (const name of names) {
    const r = results.get(name)!
    console.log(`| ${name} \`${VARIANTS[name].join(' ')}\` | ${r.length} | ${med(r.map((x) => x.rssMB))} | ${med(r.map((x) => x.anonymousMB))} | ${med(r.map((x) => x.fileMB))} | ${med(r.map((x) => x.heapUsedMB))} | ${med(r.map((x) => x.heapTotalMB))} | ${med(r.map((x) => x.spaces.new_space?.committedMB ?? NaN))} | ${med(r.map((x) => x.spaces.old_space?.committedMB ?? NaN))} | ${med(r.map((x) => x.spaces.code_space?.committedMB ?? NaN))} | ${med(r.map((x) => x.externalMB))} | ${med(r.map((x) => x.arrayBuffersMB))} | ${med(r.map((x) => x.connections))} | ${med(r.map((x) => x.afterGc.rssMB))} | ${med(r.map((x) => x.afterGc.heapUsedMB))} |`)
  }
}

main().catch((err) => { console.error(err); process.exit(1) })
