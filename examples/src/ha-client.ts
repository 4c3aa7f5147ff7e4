/**
 * The seed's high-availability client: every Calculator call is retried on another peer when one fails, hedged
 * when one is slow, and bounded by a deadline, so the calculator stays available while peers die.
 *
 *   node examples/dist/src/ha-client.js [<multiaddr of any peer>]
 *
 * With no address it starts 3 local peers and kills one (SIGKILL) a quarter of the way through.
 */
import { RpcError } from '@peercall/core'
import { joinOrStart } from './cluster-or-bootstrap.js'
import type { PeercallNode } from '@peercall/core'

export class HighAvailableCalculator {
  constructor (private readonly node: PeercallNode) {}

  /** One call with failover: up to 3 retries on other peers, a hedge after 100 ms, 2 s in all. */
  async execute (service: string, method: string, ...args: number[]): Promise<number> {
    return await this.node.call<number>(service, method, args, { idempotent: true, retries: 3, hedgeAfterMs: 100, timeoutMs: 2000 })
  }

  async add (a: number, b: number): Promise<number> { return await this.execute('Calculator', 'add', a, b) }
  async subtract (a: number, b: number): Promise<number> { return await this.execute('Calculator', 'subtract', a, b) }
  async multiply (a: number, b: number): Promise<number> { return await this.execute('Calculator', 'multiply', a, b) }
  async divide (a: number, b: number): Promise<number> { return await this.execute('Calculator', 'divide', a, b) }
}

const CALLS = 400
const { node, supervisor, close } = await joinOrStart(process.argv[2])
const calc = new HighAvailableCalculator(node)
let ok = 0
let failed = 0
for (let i = 1; i <= CALLS; i++) {
  if (i === CALLS / 4 && supervisor !== undefined) {
    const victim = supervisor.running()[0]
    process.stdout.write(`SIGKILL ${victim.name} (…${victim.peerId?.slice(-6) ?? ''}) while the calls go on\n`)
    supervisor.kill(victim.name, 'SIGKILL')
  }
  try {
    if (await calc.add(i, i) === 2 * i) ok++
  } catch (err) {
    failed++
    process.stdout.write(`call ${i} failed: ${err instanceof RpcError ? `${err.code} ${err.message}` : String(err)}\n`)
  }
}
const s = node.stats()
process.stdout.write(`${CALLS} calls: ${ok} answered correctly, ${failed} failed; retries ${s.retries}, hedges ${s.hedges}\n`)
try {
  await calc.divide(1, 0)
} catch (err) {
  if (err instanceof RpcError) process.stdout.write(`divide(1, 0): ${err.code} ${err.name}: ${err.message} (retryable: ${String(err.retryable)}, so not retried)\n`)
}
await close()
process.exit(failed === 0 ? 0 : 1)
