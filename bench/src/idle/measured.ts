/**
 * The measured peer of the idle-memory measurement: `node measured.js <bootstrap-multiaddr> <peers> <settle-ms>
 * <sample-ms> [<heap-snapshot-path>]`. A peercall node serving Echo joins the cluster, waits until membership
 * shows `peers` others alive, lets it settle, then samples its memory every second for `sample-ms` without
 * forcing a GC (what `ps` shows for an idle peer) and prints the medians with V8's heap spaces
 * (`{"idle": {...}}`); with a path, also writes a heap snapshot there.
 */
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8'
import { createNode } from '@peercall/core'
import { emit, exitWithParent } from '../harness/child.js'
import { median } from '../harness/stats.js'
import { waitUntil } from '../targets/target.js'
import { ECHO_METHOD, ECHO_SERVICE } from '../wire.js'

const [bootstrap = '', peersArg = '31', settleArg = '20000', sampleArg = '10000', snapshot] = process.argv.slice(2)
const MB = 1e6
/** How long to wait for every peer to show alive before measuring anyway, ms. */
const JOIN_WAIT_MS = 120_000
const round = (x: number): number => Math.round(x * 10) / 10
const started = Date.now()
const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [bootstrap] })
node.register(ECHO_SERVICE, { [ECHO_METHOD]: (payload: string) => payload })
exitWithParent(async () => { await node.stop() })
const alive = (): number => node.members().filter((m) => !m.self && m.state === 'alive').length
// on a loaded machine membership may hold a few peers suspect for a while: measure after JOIN_WAIT_MS regardless
await waitUntil(`${peersArg} peers alive`, () => alive() >= Number(peersArg), JOIN_WAIT_MS, 100).catch(() => {})
const joinedMs = Date.now() - started
await new Promise((resolve) => setTimeout(resolve, Number(settleArg)))
const samples: Array<ReturnType<typeof process.memoryUsage>> = []
for (let t = 0; t < Number(sampleArg); t += 1000) {
  samples.push(process.memoryUsage())
  await new Promise((resolve) => setTimeout(resolve, 1000))
}
const med = (f: (m: ReturnType<typeof process.memoryUsage>) => number): number => round(median(samples.map(f)) / MB)
const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, { committedMB: round(s.space_size / MB), usedMB: round(s.space_used_size / MB) }]))
if (snapshot !== undefined) writeHeapSnapshot(snapshot)
emit({
  idle: {
    joinedMs,
    membersAlive: alive(),
    connections: (node as unknown as { libp2p: { getConnections: () => unknown[] } }).libp2p.getConnections().length,
    rssMB: med((m) => m.rss),
    heapTotalMB: med((m) => m.heapTotal),
    heapUsedMB: med((m) => m.heapUsed),
    externalMB: med((m) => m.external),
    arrayBuffersMB: med((m) => m.arrayBuffers),
    spaces
  }
})
