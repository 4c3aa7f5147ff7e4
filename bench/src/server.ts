/**
 * Server child: `node bench/dist/src/server.js <target>`. Starts the target's server, prints
 * `{"ready":true,"address":...}` and serves until SIGTERM or until its parent goes away.
 */
import { emit, exitWithParent } from './harness/child.js'
import { isTargetName, TARGETS } from './targets/index.js'

const name = process.argv[2] ?? ''
if (!isTargetName(name)) {
  console.error(`unknown target "${name}"; one of ${Object.keys(TARGETS).join(', ')}`)
  process.exit(2)
}
const target = await TARGETS[name].load()
const served = await target.serve()
exitWithParent(async () => { await served.close() })
emit({ ready: true, target: name, pid: process.pid, address: served.address })
