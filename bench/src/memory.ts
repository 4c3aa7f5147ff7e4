/**
 * `npm run bench:memory`: only the memory measurement of `npm run bench` (an idle peercall peer, then connected to
 * 0, 4, 8, 16 peers in other processes); writes docs/benchmarks-memory.json and re-renders docs/benchmarks.md.
 * `--no-write` prints only.
 */
import { fileURLToPath } from 'node:url'
import { measureMemory } from './harness/memory.js'
import { MEMORY_JSON, renderAll, writeJson } from './harness/render-all.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const memory = await measureMemory()
console.log(`idle peer RSS ${memory.idle.rssMB} MB, heapUsed ${memory.idle.heapUsedMB} MB; per connected peer RSS ${memory.slope.rssMBPerPeer} MB, heapUsed ${memory.slope.heapUsedMBPerPeer} MB`)
if (!process.argv.includes('--no-write')) {
  writeJson(ROOT, MEMORY_JSON, memory)
  console.log(`wrote ${renderAll(ROOT).join(', ')}`)
}
process.exit(0)
