/** Runs the `peercall` command (the built bin) as a child process, for the CLI and dashboard tests. */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))
export const CALCULATOR_MODULE = fileURLToPath(new URL('../fixtures/calculator-service.js', import.meta.url))

export interface RunResult { code: number | null, stdout: string, stderr: string }

/** Runs `peercall ...args` to completion (killed after `timeoutMs`). */
export async function runCli (args: string[], timeoutMs = 30_000, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const timer = setTimeout(() => { child.kill('SIGKILL') }, timeoutMs)
  const code = await new Promise<number | null>(resolve => { child.once('exit', c => { resolve(c) }) })
  clearTimeout(timer)
  return { code, stdout, stderr }
}

export interface CliPeer {
  child: ChildProcess
  peerId: string
  multiaddrs: string[]
  http: string | null
  /** JSON lines printed after `listening`. */
  events: Array<Record<string, unknown>>
}

/** Starts `peercall node --json ...args` and resolves with its `listening` line. */
export async function startCliPeer (args: string[], timeoutMs = 20_000): Promise<CliPeer> {
  const child = spawn(process.execPath, [CLI, 'node', '--json', '--quiet', ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout! })
  const events: Array<Record<string, unknown>> = []
  return await new Promise<CliPeer>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('peercall node did not report listening in time')) }, timeoutMs)
    child.once('exit', code => { clearTimeout(timer); reject(new Error(`peercall node exited with ${String(code)} before listening`)) })
    let listening = false
    lines.on('line', line => {
      let msg: Record<string, unknown>
      try { msg = JSON.parse(line) } catch { return }
      if (!listening && msg.event === 'listening') {
        listening = true
        clearTimeout(timer)
        child.removeAllListeners('exit')
        resolve({ child, peerId: msg.peerId as string, multiaddrs: msg.multiaddrs as string[], http: msg.http as string | null, events })
      } else {
        events.push(msg)
      }
    })
  })
}

/** Kills a peer (SIGKILL unless told) and waits for it to exit. */
export async function killPeer (peer: CliPeer, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
  if (peer.child.exitCode !== null || peer.child.signalCode !== null) return peer.child.exitCode
  const exited = new Promise<number | null>(resolve => { peer.child.once('exit', c => { resolve(c) }) })
  peer.child.kill(signal)
  return await exited
}
