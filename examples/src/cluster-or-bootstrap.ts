/**
 * For the seed's client examples: join the cluster at the given bootstrap address, or, with none, start a small
 * local cluster of example peers to talk to (stopped again by `close`).
 */
import { CLIENT_META, createNode } from '@peercall/core'
import { Supervisor } from './supervisor.js'
import type { PeercallNode } from '@peercall/core'

export async function joinOrStart (bootstrap: string | undefined, peers = 3): Promise<{ node: PeercallNode, supervisor: Supervisor | undefined, close: () => Promise<void> }> {
  let sup: Supervisor | undefined
  let addrs: string[]
  if (bootstrap === undefined) {
    sup = new Supervisor({ profile: 'fast' })
    process.stdout.write(`no bootstrap address given: starting ${peers} local example peers ...\n`)
    for (let i = 0; i < peers; i++) await sup.add()
    addrs = sup.addresses()
  } else {
    addrs = [bootstrap]
  }
  const node = await createNode({ bootstrap: addrs, membership: { profile: 'fast', meta: CLIENT_META } })
  await node.waitForServices(['Calculator'], { hosts: sup === undefined ? 1 : peers, timeoutMs: 20_000 })
  return {
    node,
    supervisor: sup,
    close: async () => {
      await node.stop()
      await sup?.stopAll()
    }
  }
}
