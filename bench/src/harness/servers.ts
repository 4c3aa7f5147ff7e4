import { fileURLToPath } from 'node:url'
import { SERVER_READY_TIMEOUT_MS } from './defaults.js'
import { spawnNode, type Child } from './spawn.js'

const SERVER = fileURLToPath(new URL('../server.js', import.meta.url))

/** The server children of one configuration. */
export interface ServerGroup {
  children: Child[]
  addresses: unknown[]
  pids: number[]
  stop(): Promise<void>
}

/**
 * Starts `count` server children of `target`: the first, then the others at once, told the first one's address
 * (peercall servers join its cluster). With `cpu`, every server is pinned to that CPU. On failure the servers
 * already started are stopped before the error propagates.
 */
export async function startServers (target: string, count: number, cpu?: number, env?: Record<string, string>, nodeFlags: string[] = []): Promise<ServerGroup> {
  const children: Child[] = []
  const stop = async (): Promise<void> => { await Promise.all(children.map(async (c) => { await c.stop() })) }
  try {
    const first = spawnNode(SERVER, [target, '0'], `${target} server 0`, cpu, env, nodeFlags)
    children.push(first)
    const ready0 = await first.waitFor<{ address: unknown, pid: number }>('ready', SERVER_READY_TIMEOUT_MS)
    const rest = Array.from({ length: count - 1 }, (_, i) => {
      const c = spawnNode(SERVER, [target, String(i + 1), JSON.stringify(ready0.address)], `${target} server ${i + 1}`, cpu, env, nodeFlags)
      children.push(c)
      return c
    })
    const readies = [ready0, ...await Promise.all(rest.map(async (c) => await c.waitFor<{ address: unknown, pid: number }>('ready', SERVER_READY_TIMEOUT_MS)))]
    return { children, addresses: readies.map((r) => r.address), pids: readies.map((r) => r.pid), stop }
  } catch (err) {
    await stop()
    throw err
  }
}
