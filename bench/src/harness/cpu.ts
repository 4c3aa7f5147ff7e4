import { readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'

/** Kernel clock ticks per second for /proc times (`getconf CLK_TCK`; 100 on Linux unless configured otherwise). */
const CLK_TCK = ((): number => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return Number.isFinite(n) && n > 0 ? n : 100
  } catch {
    return 100
  }
})()

/** CPU time (user + system) consumed so far by process `pid`, in ms; undefined where /proc is unavailable. */
export function processCpuMs (pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // fields after "(comm)": state is field 3; utime and stime are fields 14 and 15
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(f[11]) + Number(f[12])) / CLK_TCK) * 1000
  } catch {
    return undefined
  }
}

/** This process's CPU time so far, in ms. */
export function ownCpuMs (): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
