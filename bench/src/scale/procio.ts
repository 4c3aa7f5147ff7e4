/**
 * Bytes a process wrote and read through system calls (`/proc/<pid>/io` wchar and rchar, Linux): for a peer
 * process this is every TCP byte it sent or received (encrypted, with noise, yamux and gossipsub framing), plus
 * its few stdout lines.
 */
import { readFileSync } from 'node:fs'

export interface ProcIo { rchar: number, wchar: number }

export function procIo (pid: number): ProcIo | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/io`, 'utf8')
    const field = (name: string): number => Number(/^(\w+): (\d+)$/m.exec(text.split('\n').find(l => l.startsWith(name + ':')) ?? '')?.[2] ?? NaN)
    const io = { rchar: field('rchar'), wchar: field('wchar') }
    return Number.isFinite(io.rchar) && Number.isFinite(io.wchar) ? io : undefined
  } catch {
    return undefined
  }
}

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ; 100 on Linux x86_64). */
export const USER_HZ = 100

/** CPU seconds a process has used, user + system (`/proc/<pid>/stat` utime + stime), or undefined when gone. */
export function procCpuSeconds (pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // the fields after the command name, which is in parentheses and may hold spaces
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    return Number.isFinite(ticks) ? ticks / USER_HZ : undefined
  } catch {
    return undefined
  }
}

/** Resident memory of a process, MB (1e6 bytes): all of it (`VmRSS`) and its anonymous part (`RssAnon`: heap, malloc; the rest is mapped files, above all the node binary's pages), or undefined when gone. */
export function procRssMB (pid: number): { rss: number, anonymous: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kB = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1] ?? NaN)
    const rss = kB('VmRSS') * 1024 / 1e6
    const anonymous = kB('RssAnon') * 1024 / 1e6
    return Number.isFinite(rss) ? { rss, anonymous } : undefined
  } catch {
    return undefined
  }
}
