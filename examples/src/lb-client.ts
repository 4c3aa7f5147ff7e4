/**
 * The seed's load-balanced client: the same Calculator calls spread over every peer that hosts it, by the
 * strategy you choose, and a table of where they went.
 *
 *   node examples/dist/src/lb-client.js [--balance p2c|round-robin|hash|local-first] [<multiaddr of any peer>]
 *
 * With no address it starts 3 local peers.
 */
import { parseArgs } from 'node:util'
import { joinOrStart } from './cluster-or-bootstrap.js'
import type { Balance, PeercallNode } from '@peercall/core'

export class LoadBalancedCalculator {
  constructor (private readonly node: PeercallNode, private readonly balance: Balance = 'p2c') {}

  async execute (service: string, method: string, ...args: number[]): Promise<number> {
    // with 'hash' the key pins each operand pair to one peer (cache affinity); other strategies ignore it
    return await this.node.call<number>(service, method, args, { balance: this.balance, key: args.join(','), timeoutMs: 2000 })
  }

  async add (a: number, b: number): Promise<number> { return await this.execute('Calculator', 'add', a, b) }
  async subtract (a: number, b: number): Promise<number> { return await this.execute('Calculator', 'subtract', a, b) }
  async multiply (a: number, b: number): Promise<number> { return await this.execute('Calculator', 'multiply', a, b) }
  async divide (a: number, b: number): Promise<number> { return await this.execute('Calculator', 'divide', a, b) }
}

const BALANCES = ['p2c', 'round-robin', 'hash', 'local-first']
const USAGE = `usage: lb-client [--balance ${BALANCES.join('|')}] [<multiaddr of any peer>]`
let parsed
try {
  parsed = parseArgs({ options: { balance: { type: 'string', default: 'p2c' } }, allowPositionals: true })
} catch (err) {
  process.stderr.write(`lb-client: ${(err as Error).message.split('. ')[0]}; ${USAGE}\n`)
  process.exit(2)
}
const { values, positionals } = parsed
if (!BALANCES.includes(values.balance)) {
  process.stderr.write(`lb-client: --balance must be one of ${BALANCES.join(', ')}, not ${values.balance}\n`)
  process.exit(2)
}
const balance = values.balance as Balance
const { node, close } = await joinOrStart(positionals[0])
const calc = new LoadBalancedCalculator(node, balance)
const CALLS = 3000
const hosts = (): string[] => node.members().filter(x => x.services.includes('Calculator')).map(m => m.peerId)
// the node's per-peer counts include its calls before this run (waiting for the cluster, say): count the difference
const before = new Map(hosts().map(id => [id, node.peerStats(id).calls]))
const start = performance.now()
// 32 calls in flight, so that p2c's in-flight counts matter
let next = 0
await Promise.all(Array.from({ length: 32 }, async () => {
  while (next < CALLS) {
    const i = next++
    if (await calc.multiply(i, 2) !== i * 2) throw new Error('wrong answer')
  }
}))
const secs = (performance.now() - start) / 1000
process.stdout.write(`${CALLS} calls with balance '${balance}' in ${secs.toFixed(2)} s (${Math.round(CALLS / secs)} calls/s)\n\n`)
process.stdout.write(`${'peer'.padEnd(12)} ${'calls'.padStart(7)} ${'share'.padStart(7)} ${'latency ms'.padStart(11)}\n`)
const rows = hosts().map(id => ({ id, calls: node.peerStats(id).calls - (before.get(id) ?? 0), latencyMs: node.peerStats(id).latencyMs }))
const total = rows.reduce((a, r) => a + r.calls, 0)
for (const r of rows) {
  const share = total === 0 ? 0 : (100 * r.calls) / total
  process.stdout.write(`${('…' + r.id.slice(-8)).padEnd(12)} ${String(r.calls).padStart(7)} ${share.toFixed(1).padStart(6)}% ${r.latencyMs.toFixed(2).padStart(11)}\n`)
}
await close()
