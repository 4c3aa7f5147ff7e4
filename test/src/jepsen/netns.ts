/**
 * A private network for a Jepsen-style test: one network namespace per process, all on a bridge inside a
 * further namespace, with addresses only on veth interfaces inside namespaces this module makes (10.231.0.0/24)
 * and nothing added to the host's own namespace. A partition drops packets with `tc` filters on each side's
 * A partition makes each side send the other's packets to nowhere (`partition`), so connections hang as on a
 * real cut network rather than being refused. Needs root and `ip` (iproute2); `available()` says whether they are.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The private subnet, inside the test's namespaces only. */
const SUBNET = '10.231.0'
/** A locally administered link-layer address that no interface has. */
const NOWHERE = '02:00:5e:00:de:ad'

export async function available (): Promise<boolean> {
  if (process.getuid?.() !== 0) return false
  try {
    await run('ip', ['netns', 'list'])
    return true
  } catch {
    return false
  }
}

export class PrivateNet {
  readonly prefix: string
  private readonly hosts: string[] = []
  private made = false
  private readonly cut = new Set<number>()

  constructor (prefix = `pcj${process.pid}`) {
    this.prefix = prefix
  }

  private get switchNs (): string { return `${this.prefix}-sw` }

  /** Namespace of host i. */
  ns (i: number): string { return `${this.prefix}-h${i}` }

  /** Address of host i. */
  ip (i: number): string { return `${SUBNET}.${i + 1}` }

  /** Makes the switch and `count` hosts. */
  async setup (count: number): Promise<void> {
    this.made = true
    await ip(['netns', 'add', this.switchNs])
    await ip(['-n', this.switchNs, 'link', 'set', 'lo', 'up'])
    await ip(['-n', this.switchNs, 'link', 'add', 'br0', 'type', 'bridge'])
    await ip(['-n', this.switchNs, 'link', 'set', 'br0', 'up'])
    for (let i = 0; i < count; i++) {
      const ns = this.ns(i)
      await ip(['netns', 'add', ns])
      this.hosts.push(ns)
      await ip(['-n', this.switchNs, 'link', 'add', `p${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns])
      await ip(['-n', this.switchNs, 'link', 'set', `p${i}`, 'master', 'br0'])
      await ip(['-n', this.switchNs, 'link', 'set', `p${i}`, 'up'])
      await ip(['-n', ns, 'addr', 'add', `${this.ip(i)}/24`, 'dev', 'eth0'])
      await ip(['-n', ns, 'link', 'set', 'eth0', 'up'])
      await ip(['-n', ns, 'link', 'set', 'lo', 'up'])
    }
  }

  /** The command line that runs `argv` inside host i's namespace. */
  exec (i: number, argv: string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.ns(i), ...argv]]
  }

  /**
   * Hosts in `a` and hosts in `b` no longer exchange packets: each side's neighbour entry for the other side's
   * addresses is pinned to a link-layer address nobody has, so frames go out and are dropped unread (silently,
   * as on a cut network: connections hang, they are not refused). `tc` drop filters would do the same where the
   * kernel has the gact action; `ip neigh` needs nothing more than iproute2.
   */
  async partition (a: number[], b: number[]): Promise<void> {
    for (const [from, to] of [[a, b], [b, a]]) {
      for (const x of from) {
        for (const y of to) await ip(['-n', this.ns(x), 'neigh', 'replace', this.ip(y), 'lladdr', NOWHERE, 'dev', 'eth0', 'nud', 'permanent'])
      }
    }
    for (const x of [...a, ...b]) this.cut.add(x)
  }

  /** Every partition lifted: the pinned entries removed, addresses resolved again by ARP. */
  async heal (): Promise<void> {
    for (const x of this.cut) {
      for (let y = 0; y < this.hosts.length; y++) if (y !== x) await ip(['-n', this.ns(x), 'neigh', 'del', this.ip(y), 'dev', 'eth0']).catch(() => {})
    }
    this.cut.clear()
  }

  /** Deletes every namespace made (their interfaces go with them). */
  async teardown (): Promise<void> {
    if (!this.made) return
    for (const ns of [...this.hosts, this.switchNs]) await ip(['netns', 'del', ns]).catch(() => {})
    this.hosts.length = 0
    this.made = false
  }
}

async function ip (args: string[]): Promise<void> {
  await run('ip', args)
}
