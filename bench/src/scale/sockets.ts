/**
 * The TCP connections between local processes (Linux: `/proc/net/tcp` and each process's socket inodes in
 * `/proc/<pid>/fd`): per process, how many established connections it has to the others, and how many pairs of
 * processes hold more than one connection between them (both sides dialled).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'

export interface Connections {
  /** established connections of each process to the other processes given */
  perPid: Map<number, number>
  /** pairs of processes connected at all */
  pairs: number
  /** connections beyond one per connected pair */
  extra: number
}

/** Socket inodes of a process (empty when it is gone). */
function socketInodes (pid: number): string[] {
  const out: string[] = []
  let fds: string[] = []
  try { fds = readdirSync(`/proc/${pid}/fd`) } catch { return out }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
      if (m !== null) out.push(m[1])
    } catch { /* closed meanwhile */ }
  }
  return out
}

/** IPv4 TCP sockets: local port, remote port, state (hex, `01` established), inode. */
function tcpTable (): Array<{ local: string, remote: string, state: string, inode: string }> {
  try {
    return readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1).filter(l => l.trim() !== '').map(l => {
      const f = l.trim().split(/\s+/)
      return { local: f[1], remote: f[2], state: f[3], inode: f[9] }
    })
  } catch {
    return []
  }
}

/** The connections among `pids` (on 127.0.0.1, IPv4). */
export function connectionsAmong (pids: readonly number[]): Connections {
  const owner = new Map<string, number>()
  for (const pid of pids) for (const inode of socketInodes(pid)) owner.set(inode, pid)
  const ends = new Map<string, number>()
  for (const s of tcpTable()) {
    const pid = owner.get(s.inode)
    if (pid !== undefined && s.state === '01') ends.set(`${s.local}>${s.remote}`, pid)
  }
  const perPair = new Map<string, number>()
  const perPid = new Map<number, number>(pids.map(p => [p, 0]))
  for (const [key, pid] of ends) {
    const [local, remote] = key.split('>')
    const other = ends.get(`${remote}>${local}`)
    if (other === undefined || other === pid) continue
    perPid.set(pid, (perPid.get(pid) ?? 0) + 1)
    if (pid < other) { const pair = `${pid}-${other}`; perPair.set(pair, (perPair.get(pair) ?? 0) + 1) }
  }
  let extra = 0
  for (const n of perPair.values()) extra += n - 1
  return { perPid, pairs: perPair.size, extra }
}
