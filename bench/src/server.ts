/**
 * Server child: `node bench/dist/src/server.js <target> [<index> [<join-address-json>]]`. Starts the target's
 * server, prints `{"ready":true,"address":...}` and serves until SIGTERM or until its parent goes away. With
 * BENCH_SAMPLE_MS in the environment, server 0 also prints a memory sample that often (the soak).
 */
import { emit, exitWithParent } from './harness/child.js'
import { startSampler } from './harness/memsample.js'
import { isTargetName, TARGETS } from './targets/index.js'

const [name = '', index = '0', join] = process.argv.slice(2)
if (!isTargetName(name)) {
  console.error(`unknown target "${name}"; one of ${Object.keys(TARGETS).join(', ')}`)
  process.exit(2)
}
const target = await TARGETS[name].load()
const served = await target.serve({ index: Number(index), ...(join !== undefined ? { join: JSON.parse(join) as unknown } : {}) })
exitWithParent(async () => { await served.close() })
emit({ ready: true, target: name, pid: process.pid, address: served.address })
const sampleMs = Number(process.env.BENCH_SAMPLE_MS ?? '0')
if (sampleMs > 0 && Number(index) === 0) startSampler(sampleMs, emit)
