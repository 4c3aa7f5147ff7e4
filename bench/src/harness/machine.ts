import * as os from 'node:os'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'

export interface Machine {
  date: string
  nproc: number
  cpu: string
  memGiB: number
  os: string
  node: string
  /** 1, 5 and 15 minute load averages when the report was written (the machine is shared). */
  loadAvg: number[]
  versions: Record<string, string>
  /** `git describe --always --dirty` of the checkout measured (the build may include uncommitted work). */
  git?: string
}

/** Packages whose versions shape the figures. */
const PACKAGES = ['libp2p', '@libp2p/tcp', '@chainsafe/libp2p-noise', '@chainsafe/libp2p-yamux', 'msgpackr', '@grpc/grpc-js', 'moleculer', 'moleculer-0.15', '@hyperswarm/rpc', 'hyperdht']

function version (root: string, name: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

function gitDescribe (root: string): { git?: string } {
  try {
    return { git: execFileSync('git', ['describe', '--always', '--dirty'], { cwd: root, encoding: 'utf8' }).trim() }
  } catch {
    return {}
  }
}

export function describeMachine (root: string): Machine {
  const cpus = os.cpus()
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism(),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAvg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    versions: Object.fromEntries(PACKAGES.map((p) => [p, version(root, p)])),
    ...gitDescribe(root)
  }
}
