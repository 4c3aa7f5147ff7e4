/**
 * The measured peer of the idle-memory measurement: `node measured.js <bootstrap-multiaddr> <peers> <settle-ms>
 * <sample-ms> [<heap-snapshot-path>]`. A peercall node serving Echo joins the cluster, waits until membership
 * shows `peers` others alive, lets it settle, then samples its memory every second for `sample-ms` without
 * forcing a GC (what `ps` shows for an idle peer), then once after a full GC, and prints the medians with V8's heap
 * spaces (`{"idle": {...}}`); with a path, also writes a heap snapshot there.
 */
import { readFileSync } from 'node:fs'
import { getHeapSpaceStatistics, setFlagsFromString, writeHeapSnapshot } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createNode } from '@peercall/core'
import { emit, exitWithParent } from '../harness/child.js'
import { median } from '../harness/stats.js'
import { waitUntil } from '../targets/target.js'
import { ECHO_METHOD, ECHO_SERVICE } from '../echo.js'

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
/** Resident anonymous memory (heap, malloc), bytes, from /proc (Linux; NaN elsewhere): RSS less the mapped files. */
function anonymous (): number {
  try {
    const m = /^Anonymous:\s+(\d+) kB/m.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))
    return m === null ? NaN : Number(m[1]) * 1024
  } catch {
    return NaN
  }
}
const samples: Array<ReturnType<typeof process.memoryUsage> & { anonymous: number }> = []
for (let t = 0; t < Number(sampleArg); t += 1000) {
  samples.push({ ...process.memoryUsage(), anonymous: anonymous() })
  await new Promise((resolve) => setTimeout(resolve, 1000))
}
const med = (f: (m: typeof samples[number]) => number): number => round(median(samples.map(f)) / MB)
// then once after a full GC (what the live objects and the committed heap come to, without the GC's timing)
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
gc()
await new Promise((resolve) => setTimeout(resolve, 1000))
const afterGc = process.memoryUsage()
const anonymousAfterGc = anonymous()
const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, { committedMB: round(s.space_size / MB), usedMB: round(s.space_used_size / MB) }]))
if (snapshot !== undefined) writeHeapSnapshot(snapshot)
emit({
  idle: {
    joinedMs,
    membersAlive: alive(),
    connections: (node as unknown as { libp2p: { getConnections: () => unknown[] } }).libp2p.getConnections().length,
    rssMB: med((m) => m.rss),
    anonymousMB: med((m) => m.anonymous),
    fileMB: med((m) => m.rss - m.anonymous),
    heapTotalMB: med((m) => m.heapTotal),
    heapUsedMB: med((m) => m.heapUsed),
    externalMB: med((m) => m.external),
    arrayBuffersMB: med((m) => m.arrayBuffers),
    afterGc: { rssMB: round(afterGc.rss / MB), anonymousMB: round(anonymousAfterGc / MB), heapUsedMB: round(afterGc.heapUsed / MB), heapTotalMB: round(afterGc.heapTotal / MB) },
    spaces
  }
})
