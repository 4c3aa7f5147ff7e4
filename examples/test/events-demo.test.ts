/**
 * The events example as a user runs it: orders billed once each across two replicas, mailed once, a broadcast
 * reaching every peer, failover when a replica dies, and UNAVAILABLE with none left.
 */
import test from 'ava'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

test('events-demo: balanced, once per group, broadcast to all, failover, and the clear error', async t => {
  t.timeout(60_000)
  const script = fileURLToPath(new URL('../src/events-demo.js', import.meta.url))
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [script], { timeout: 50_000 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${err.message}\n${stderr}`))
      else resolve(stdout)
    })
  })
  const charges = /charges per billing replica: (\d+) \+ (\d+) = 6; mails sent: 6/.exec(out)
  t.truthy(charges, out)
  t.is(Number(charges?.[1]) + Number(charges?.[2]), 6)
  t.regex(out, /cache\.clear reached 4 peers/)
  t.regex(out, /o-7 after a replica died: billed by \S+/)
  t.regex(out, /with no billing replica alive: UNAVAILABLE: event order\.created: no live subscriber of group billing/)
})
