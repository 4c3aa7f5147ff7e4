import { fileURLToPath } from 'node:url'
import { MEMORY_CONNECT_TIMEOUT_MS, MEMORY_PEERS_PER_HELPER, MEMORY_PEER_STEPS, MEMORY_SETTLE_MS, SERVER_READY_TIMEOUT_MS } from './defaults.js'
import { spawnNode, type Child } from './spawn.js'
import type { MemorySample } from './memsample.js'

const NODE = fileURLToPath(new URL('../memory-node.js', import.meta.url))
const HELPER = fileURLToPath(new URL('../memory-helper.js', import.meta.url))

/** The measured peer's memory with `peers` other peers connected (medians of samples after forced GCs). */
export interface MemoryStep extends MemorySample {
  peers: number
  membersAlive: number
  rpcPeers: number
}

export interface MemoryReport {
  date: string
  node: string
  steps: MemoryStep[]
  /** The step with 0 peers: an idle peer. */
  idle: MemoryStep
  /** Least-squares slope over the steps, in MB per connected peer. */
  slope: { rssMBPerPeer: number, heapUsedMBPerPeer: number }
}

/** Least-squares slope of ys over xs. */
export function slope (xs: number[], ys: number[]): number {
  const n = xs.length
  if (n < 2) return Number.NaN
  const mx = xs.reduce((a, b) => a + b, 0) / n
  const my = ys.reduce((a, b) => a + b, 0) / n
  let num = 0
  let den = 0
  for (let i = 0; i < n; i++) { num += (xs[i] - mx) * (ys[i] - my); den += (xs[i] - mx) ** 2 }
  return den === 0 ? Number.NaN : num / den
}

/**
 * Starts the measured peer (--expose-gc), measures it idle, then connects helper processes of
 * MEMORY_PEERS_PER_HELPER peers each until it has each step's number of peers, measuring at every step.
 */
export async function measureMemory (steps: readonly number[] = MEMORY_PEER_STEPS): Promise<MemoryReport> {
  const measured = spawnNode(NODE, [], 'memory node', undefined, undefined, ['--expose-gc'])
  const helpers: Child[] = []
  try {
    const ready = await measured.waitFor<{ address: unknown }>('ready', SERVER_READY_TIMEOUT_MS)
    const out: MemoryStep[] = []
    let connected = 0
    for (const peers of steps) {
      while (connected < peers) {
        const n = Math.min(MEMORY_PEERS_PER_HELPER, peers - connected)
        const h = spawnNode(HELPER, [String(n), JSON.stringify(ready.address)], `memory helper ${helpers.length}`)
        helpers.push(h)
        await h.waitFor('ready', MEMORY_CONNECT_TIMEOUT_MS)
        connected += n
      }
      const next = measured.waitForNext<{ measured: MemoryStep }>('measured', MEMORY_CONNECT_TIMEOUT_MS + MEMORY_SETTLE_MS * 4)
      measured.send({ measure: peers })
      const { measured: step } = await next
      console.log(`memory: ${peers} peer(s): RSS ${step.rssMB} MB, heapUsed ${step.heapUsedMB} MB (members alive ${step.membersAlive}, RPC peers ${step.rpcPeers})`)
      out.push(step)
    }
    const idle = out.find((s) => s.peers === 0) ?? out[0]
    const round = (x: number): number => Math.round(x * 1000) / 1000
    return {
      date: new Date().toISOString(),
      node: process.version,
      steps: out,
      idle,
      slope: {
        rssMBPerPeer: round(slope(out.map((s) => s.peers), out.map((s) => s.rssMB))),
        heapUsedMBPerPeer: round(slope(out.map((s) => s.peers), out.map((s) => s.heapUsedMB)))
      }
    }
  } finally {
    await Promise.all([...helpers, measured].map(async (c) => { await c.stop() }))
  }
}
