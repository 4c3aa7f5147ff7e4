/**
 * Stream server child: `node bench/dist/src/streams/server.js <target>`. Serves the target's stream, prints
 * `{"ready":true,"address":...,"pid":...}` and serves until SIGTERM or until its parent goes away.
 */
import { emit, exitWithParent } from '../harness/child.js'
import { isStreamTargetName, STREAM_TARGETS } from './index.js'

const [name = ''] = process.argv.slice(2)
if (!isStreamTargetName(name)) {
  console.error(`unknown stream target "${name}"; one of ${Object.keys(STREAM_TARGETS).join(', ')}`)
  process.exit(2)
}
const served = await (await STREAM_TARGETS[name]()).serve()
exitWithParent(async () => { await served.close() })
emit({ ready: true, target: name, pid: process.pid, address: served.address })
