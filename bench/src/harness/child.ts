/** Helpers for the child processes (server and client entry points). */
import { fstatSync } from 'node:fs'

/** Prints one JSON object as a line on stdout: the protocol between a child and the orchestrator. */
export function emit (obj: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

/**
 * Exits when the parent goes away (stdin closes) or on SIGTERM/SIGINT, after running `cleanup` for at most
 * `graceMs` ms.
 */
export function exitWithParent (cleanup: () => Promise<void>, graceMs = 1_500): void {
  let exiting = false
  const exit = (code: number): void => {
    if (exiting) return
    exiting = true
    setTimeout(() => process.exit(code), graceMs).unref()
    cleanup().then(() => process.exit(code), () => process.exit(code))
  }
  // the orchestrator gives each child a pipe as stdin; watch it only then (not a file, /dev/null or a terminal)
  let piped = false
  try { const st = fstatSync(0); piped = st.isFIFO() || st.isSocket() } catch { piped = false }
  if (piped) {
    process.stdin.on('end', () => exit(0))
    process.stdin.on('close', () => exit(0))
    process.stdin.on('error', () => exit(0))
    process.stdin.resume()
  }
  process.on('SIGTERM', () => exit(0))
  process.on('SIGINT', () => exit(0))
}
