/**
 * Client child: `node bench/dist/src/client.js <target> <address-json> <warmupMs> <durationMs> <inFlight>...`.
 * With BENCH_SERVER_PID in the environment it also reports the server's CPU time per call.
 * Connects to the server child, runs one measured phase per in-flight level on the same connection, prints
 * `{"results":[...]}` (one entry per phase), then exits.
 */
import { emit, exitWithParent } from './harness/child.js'
import { runPhase } from './harness/load.js'
import { isTargetName, TARGETS } from './targets/index.js'

const [name = '', addressJson = 'null', warmup = '0', duration = '0', ...levels] = process.argv.slice(2)
if (!isTargetName(name)) {
  console.error(`unknown target "${name}"`)
  process.exit(2)
}
const target = await TARGETS[name].load()
const conn = await target.connect(JSON.parse(addressJson))
exitWithParent(async () => { await conn.close() })
const serverPid = process.env.BENCH_SERVER_PID === undefined ? undefined : Number(process.env.BENCH_SERVER_PID)
const results = []
for (const level of levels) {
  results.push(await runPhase(conn.call, Number(level), Number(warmup), Number(duration), serverPid))
}
emit({ results })
await conn.close().catch(() => {})
process.exit(0)
