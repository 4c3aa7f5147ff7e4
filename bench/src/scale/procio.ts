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
