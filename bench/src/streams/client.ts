/**
 * Stream client child: `node bench/dist/src/streams/client.js <target> <address-json>`. Connects, prints
 * `{"ready":true}`, then for each `{"read":StreamRequest}` line on stdin reads one stream to its end and prints
 * `{"result":{items,bytes,ms}}` (ms: from opening the stream to its last item, wall clock) or `{"result":{error}}`.
 * Streams run one at a time, in the order asked.
 */
import { createInterface } from 'node:readline'
import { performance } from 'node:perf_hooks'
import { emit, exitWithParent } from '../harness/child.js'
import { isStreamTargetName, STREAM_TARGETS } from './index.js'
import type { StreamRequest } from './target.js'

const [name = '', addressJson = 'null'] = process.argv.slice(2)
if (!isStreamTargetName(name)) {
  console.error(`unknown stream target "${name}"`)
  process.exit(2)
}
const conn = await (await STREAM_TARGETS[name]()).connect(JSON.parse(addressJson) as unknown)
exitWithParent(async () => { await conn.close() })

let queue = Promise.resolve()
createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line) as { read?: StreamRequest }
  const request = msg.read
  if (request === undefined) return
  queue = queue.then(async () => {
    const t0 = performance.now()
    try {
      const got = await conn.read(request)
      emit({ result: { ...got, ms: performance.now() - t0 } })
    } catch (err) {
      emit({ result: { error: String((err as Error).stack ?? err) } })
    }
  })
})
emit({ ready: true, pid: process.pid })
