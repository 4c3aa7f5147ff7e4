/**
 * `node bench/dist/src/scale/flag-cost.js [--rounds 5] [--seconds 6] [--inflight 64] --variant 'name=flags ENV=value'...`: what a
 * setting of the peers' processes (Node flags, environment such as `MALLOC_ARENA_MAX`) costs in throughput. Per
 * round and variant, variants alternating, a fresh peercall server and client (both with the variant) make 16-byte
 * echo calls, 64 in flight (`--inflight`; 1: sequential calls) on a pinned connection (`flag-cost-client.ts`); prints each round and the medians of
 * calls per second and CPU µs per call of client and server.
 */
import { fileURLToPath } from 'node:url'
import { startServers } from '../harness/servers.js'
import { spawnNode } from '../harness/spawn.js'
import { median } from '../harness/stats.js'
import { splitVariant, variantArgs } from '../harness/variants.js'

const CLIENT = fileURLToPath(new URL('./flag-cost-client.js', import.meta.url))
/** Longest wait for one client's result, ms. */
const CLIENT_TIMEOUT_MS = 120_000

interface Cost { callsPerSec: number, clientUs: number, serverUs: number }

function arg (name: string, fallback: string): string {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : fallback
}

const variants = variantArgs(process.argv)
const rounds = Number(arg('--rounds', '5'))
const seconds = arg('--seconds', '6')
const inFlight = arg('--inflight', '64')
const results = new Map<string, Cost[]>(Object.keys(variants).map(n => [n, []]))
for (let r = 0; r < rounds; r++) {
  for (const [name, spec] of Object.entries(variants)) {
    const { flags, env } = splitVariant(spec)
    const group = await startServers('peercall-pinned', 1, undefined, env, flags)
    try {
      const client = spawnNode(CLIENT, [JSON.stringify(group.addresses), seconds, String(group.pids[0]), inFlight], `${name} client`, undefined, env, flags)
      const { cost } = await client.waitFor<{ cost: Cost }>('cost', CLIENT_TIMEOUT_MS)
      await client.stop()
      results.get(name)!.push(cost)
      process.stderr.write(`round ${r + 1} ${name}: ${JSON.stringify(cost)}\n`)
    } finally {
      await group.stop()
    }
  }
}
console.log('| variant | rounds | calls/s (median) | client CPU µs per call | server CPU µs per call |')
console.log('|---|---|---|---|---|')
for (const [name, xs] of results) {
  console.log(`| ${name} | ${xs.length} | ${median(xs.map(x => x.callsPerSec))} | ${median(xs.map(x => x.clientUs))} | ${median(xs.map(x => x.serverUs))} |`)
}
