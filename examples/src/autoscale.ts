/**
 * Autoscaling: the scaling advisor turns the cluster's gossiped load into a recommended peer count, and the
 * supervisor starts or stops peer processes to follow it, as load rises and falls.
 *
 *   node examples/dist/src/autoscale.js [--seconds 60] [--max 5]
 *
 * A load generator sends CPU-bound `Work.digest` calls in three phases: low, high, low. Every 2 s the advisor is
 * asked (`node.scalingAdvice('Work')`); its answer and reason are printed, and acted on within [1, max] peers.
 */
import { parseArgs } from 'node:util'
import { createNode } from '@peercall/core'
import { Supervisor } from './supervisor.js'

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, max: { type: 'string', default: '5' } } })
const SECONDS = Math.max(20, Number(values.seconds))
const MAX = Math.max(2, Number(values.max))
/** Calls per second in each phase: low, high, low. */
const PHASES = [{ share: 0.25, rate: 20 }, { share: 0.4, rate: 150 }, { share: 0.35, rate: 20 }]
/** How often the advice is taken, ms. */
const ADVICE_PERIOD_MS = 2000

const sup = new Supervisor({ profile: 'fast' })
await sup.add()
// a short scale-down window for the demo (the advisor's default is Kubernetes' 300 s), and at most MAX peers
const client = await createNode({
  bootstrap: sup.addresses(),
  membership: { profile: 'fast' },
  balancer: { scaling: { scaleDownWindowMs: 8000, maxPeers: MAX } }
})
const t0 = Date.now()
const end = t0 + SECONDS * 1000
const say = (line: string): void => { process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(3)}s] ${line}\n`) }

let sent = 0
let failed = 0
let inflight = 0
const failures = new Map<string, number>()
async function generate (): Promise<void> {
  let phaseEnd = t0
  for (const phase of PHASES) {
    phaseEnd += phase.share * SECONDS * 1000
    say(`load: ${phase.rate} calls/s`)
    while (Date.now() < phaseEnd) {
      const tickStart = Date.now()
      const batch = Math.max(1, Math.round(phase.rate / 10))
      for (let i = 0; i < batch && inflight < 2000; i++) {
        inflight++
        sent++
        client.call('Work', 'digest', [`job-${sent}`], { timeoutMs: 5000 })
          .catch((err: { code?: string }) => {
            failed++
            failures.set(err.code ?? 'other', (failures.get(err.code ?? 'other') ?? 0) + 1)
          })
          .finally(() => { inflight-- })
      }
      await new Promise(resolve => setTimeout(resolve, Math.max(0, 100 - (Date.now() - tickStart))))
    }
  }
}

async function scale (): Promise<void> {
  while (Date.now() < end) {
    await new Promise(resolve => setTimeout(resolve, ADVICE_PERIOD_MS))
    const advice = client.scalingAdvice('Work')
    const running = sup.running().length
    say(`peers ${running}, utilisation ${(advice.utilisation * 100).toFixed(0)}%, advice ${advice.action} to ${advice.recommended}: ${advice.reason}`)
    const target = Math.min(MAX, Math.max(1, advice.recommended))
    if (advice.action === 'scale-up' && target > running) {
      await sup.scaleTo(target)
      say(`scaled up to ${sup.running().length} peers`)
    } else if (advice.action === 'scale-down' && target < running) {
      await sup.scaleTo(target)
      say(`scaled down to ${sup.running().length} peers`)
    }
  }
}

await Promise.all([generate(), scale()])
while (inflight > 0 && Date.now() < end + 10_000) await new Promise(resolve => setTimeout(resolve, 100))
say(`done: ${sent} calls sent, ${failed} failed${failed > 0 ? ` (${[...failures].map(([c, n]) => `${c} ${n}`).join(', ')})` : ''}`)
await client.stop()
await sup.stopAll()
process.exit(failed === 0 ? 0 : 1)
