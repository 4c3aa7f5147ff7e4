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
