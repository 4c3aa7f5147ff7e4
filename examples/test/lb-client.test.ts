/** The load-balanced client's command line: a wrong strategy or flag is one line and exit 2, never a stack trace. */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import test from 'ava'

const LB_CLIENT = fileURLToPath(new URL('../src/lb-client.js', import.meta.url))

for (const [args, says] of [
  [['--balance', 'bogus'], /^lb-client: --balance must be one of p2c, round-robin, hash, local-first, not bogus\n$/],
  [['--frob'], /^lb-client: Unknown option '--frob'; usage: lb-client \[--balance p2c\|round-robin\|hash\|local-first\] \[<multiaddr of any peer>\]\n$/]
] as const) {
  test(`lb-client ${args.join(' ')}: exit 2, one line`, t => {
    const r = spawnSync(process.execPath, [LB_CLIENT, ...args], { encoding: 'utf8', timeout: 20_000 })
    t.is(r.status, 2, r.stderr)
    t.regex(r.stderr, says)
    t.is(r.stdout, '')
  })
}

test('lb-client with no address: 3000 calls over 3 local peers, shares that add up to 100%', async t => {
  t.timeout(90_000)
  const { spawn } = await import('node:child_process')
  const child = spawn(process.execPath, [LB_CLIENT, '--balance', 'round-robin'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s })
  const killer = setTimeout(() => { child.kill('SIGKILL') }, 80_000)
  const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
  clearTimeout(killer)
  t.is(code, 0, out)
  t.regex(out, /^3000 calls with balance 'round-robin'/m)
  const rows = [...out.matchAll(/^…\S+\s+(\d+)\s+([\d.]+)%\s+[\d.]+$/gm)].map(m => ({ calls: Number(m[1]), share: Number(m[2]) }))
  t.is(rows.length, 3, out)
  t.true(rows.reduce((a, r) => a + r.calls, 0) >= 3000, out)
  for (const r of rows) t.true(r.share > 0 && r.share <= 100, out)
  t.true(Math.abs(rows.reduce((a, r) => a + r.share, 0) - 100) < 0.5, out)
})
