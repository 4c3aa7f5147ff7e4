/**
 * The measured peer of the memory measurement (run with --expose-gc): `node memory-node.js`. A peercall node
 * serving Echo, otherwise idle. Prints `{"ready":...,"address":...}`, then answers each stdin line
 * `{"measure": n}` (n: peers that should now be connected) once membership shows n other peers alive, after a
 * settling time, with `{"measured": {...}}`: the median of a few samples, each after a forced GC.
 */
import { createInterface } from 'node:readline'
import { createNode } from '@peercall/core'
import { emit, exitWithParent } from './harness/child.js'
import { MEMORY_CONNECT_TIMEOUT_MS, MEMORY_SAMPLE_GAP_MS, MEMORY_SAMPLES, MEMORY_SETTLE_MS, DISCOVERY_POLL_MS } from './harness/defaults.js'
import { sampleMemory, type MemorySample } from './harness/memsample.js'
import { median } from './harness/stats.js'
import { waitUntil } from './targets/target.js'
import { ECHO_METHOD, ECHO_SERVICE } from './echo.js'

const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [] })
node.register(ECHO_SERVICE, { [ECHO_METHOD]: (payload: string) => payload })
exitWithParent(async () => { await node.stop() })
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }
const alive = (): number => node.members().filter((m) => !m.self && m.state === 'alive').length

async function measure (peers: number): Promise<void> {
  await waitUntil(`${peers} peer(s) alive in membership`, () => alive() >= peers, MEMORY_CONNECT_TIMEOUT_MS, DISCOVERY_POLL_MS)
  await sleep(MEMORY_SETTLE_MS)
  const samples: MemorySample[] = []
  for (let i = 0; i < MEMORY_SAMPLES; i++) {
    if (i > 0) await sleep(MEMORY_SAMPLE_GAP_MS)
    samples.push(sampleMemory())
  }
  const med = (f: (s: MemorySample) => number): number => median(samples.map(f))
  emit({
    measured: {
      peers,
      membersAlive: alive(),
      rpcPeers: node.connectedPeers().length,
      rssMB: med((s) => s.rssMB),
      heapUsedMB: med((s) => s.heapUsedMB),
      heapTotalMB: med((s) => s.heapTotalMB),
      externalMB: med((s) => s.externalMB),
      arrayBuffersMB: med((s) => s.arrayBuffersMB),
      gc: samples.every((s) => s.gc)
    }
  })
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line) as { measure?: number }
  if (typeof cmd.measure === 'number') measure(cmd.measure).catch((err: unknown) => { emit({ error: String(err) }) })
})
emit({ ready: true, pid: process.pid, address: { peerId: node.peerId, multiaddrs: node.multiaddrs } })
