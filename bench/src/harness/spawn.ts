import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { KILL_GRACE_MS } from './defaults.js'

/** Every child this process started; all are killed when it exits, on error too. */
const children = new Set<ChildProcess>()
let hooked = false

function killAllNow (): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  }
}

function hookExit (): void {
  if (hooked) return
  hooked = true
  process.on('exit', killAllNow)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      killAllNow()
      process.exit(130)
    })
  }
  process.on('uncaughtException', (err) => {
    console.error(err)
    killAllNow()
    process.exit(1)
  })
}

/** A child Node process that speaks one JSON object per stdout line. */
export interface Child {
  readonly pid: number
  /** Resolves with the first JSON line that has the key `key`; rejects on timeout or exit. */
  waitFor<T = Record<string, unknown>>(key: string, timeoutMs: number): Promise<T>
  /** Resolves with the first JSON line with `key` received after this call; rejects on timeout or exit. */
  waitForNext<T = Record<string, unknown>>(key: string, timeoutMs: number): Promise<T>
  /** The value under `key` of every JSON line received so far that has it, in order. */
  all<T = unknown>(key: string): T[]
  /** Writes one JSON object as a line on the child's stdin. */
  send(obj: Record<string, unknown>): void
  /** SIGTERM, then SIGKILL after a grace period; resolves when the child is gone. */
  stop(): Promise<void>
}

/**
 * Starts `process.execPath script ...args` with this process's Node flags (`process.execArgv`, so
 * `node --cpu-prof run.js` profiles the children), pinned to one CPU when `cpu` is given. The child's stdin is
 * a pipe that it watches: when this process dies, the pipe closes and the child exits, so no server outlives
 * the run. A client whose calls hang is bounded by the `waitFor` timeout of the caller, then killed.
 */
export function spawnNode (script: string, args: string[], label: string, cpu?: number, env?: Record<string, string>, nodeFlags: string[] = []): Child {
  hookExit()
  const options = { stdio: ['pipe', 'pipe', 'pipe'] as Array<'pipe'>, env: { ...process.env, ...env } }
  // with a cpu, run under `taskset -c <cpu>` (util-linux), which execs node: the pid stays node's
  const cp = cpu === undefined
    ? spawn(process.execPath, [...process.execArgv, ...nodeFlags, script, ...args], options)
    : spawn('taskset', ['-c', String(cpu), process.execPath, ...process.execArgv, ...nodeFlags, script, ...args], options)
  children.add(cp)
  const exited = new Promise<void>((resolve) => cp.once('exit', () => { children.delete(cp); resolve() }))
  const lines: Array<Record<string, unknown>> = []
  const waiters = new Set<() => void>()
  let stderrTail = ''
  createInterface({ input: cp.stdout! }).on('line', (line) => {
    const t = line.trim()
    if (!t.startsWith('{')) return
    try {
      lines.push(JSON.parse(t))
      for (const w of waiters) w()
    } catch { /* not a protocol line */ }
  })
  cp.stderr!.on('data', (d: Buffer) => {
    const s = d.toString()
    stderrTail = (stderrTail + s).slice(-4000)
    if (process.env.BENCH_VERBOSE !== undefined) process.stderr.write(`[${label}] ${s}`)
  })
  cp.stdin!.on('error', () => {})

  const waitFrom = async <T>(from: number, key: string, timeoutMs: number): Promise<T> => {
    return await new Promise<T>((resolve, reject) => {
      const check = (): void => {
        const hit = lines.slice(from).find((l) => key in l)
        if (hit !== undefined) { done(); resolve(hit as T) }
      }
      const timer = setTimeout(() => { done(); reject(new Error(`${label}: no "${key}" line within ${timeoutMs} ms; stderr: ${stderrTail}`)) }, timeoutMs)
      const onExit = (): void => {
        setImmediate(() => { check(); done(); reject(new Error(`${label}: exited (code ${cp.exitCode}, signal ${cp.signalCode}) before "${key}"; stderr: ${stderrTail}`)) })
      }
      const done = (): void => { clearTimeout(timer); waiters.delete(check); cp.off('exit', onExit) }
      waiters.add(check)
      cp.once('exit', onExit)
      check()
    })
  }

  return {
    pid: cp.pid ?? -1,
    async waitFor<T>(key: string, timeoutMs: number): Promise<T> { return await waitFrom<T>(0, key, timeoutMs) },
    async waitForNext<T>(key: string, timeoutMs: number): Promise<T> { return await waitFrom<T>(lines.length, key, timeoutMs) },
    all<T>(key: string): T[] { return lines.filter((l) => key in l).map((l) => l[key] as T) },
    send (obj: Record<string, unknown>): void { cp.stdin!.write(JSON.stringify(obj) + '\n') },
    async stop (): Promise<void> {
      if (cp.exitCode !== null || cp.signalCode !== null) return
      cp.kill('SIGTERM')
      const t = setTimeout(() => cp.kill('SIGKILL'), KILL_GRACE_MS)
      await exited
      clearTimeout(t)
    }
  }
}
