import { LARGE_PAYLOAD } from './defaults.js'
import { sizeLabel } from '../payload.js'
import type { Row } from './summary.js'
import type { Ratio } from './targets.js'

export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US')
export const fmtUs = (n: number): string => n >= 100 ? fmtInt(n) : n.toFixed(1)

export function modeName (inFlight: number): string {
  return inFlight === 1 ? 'sequential' : `${inFlight} in flight`
}

export function verdict (r: Ratio): string {
  const v = r.pass === null ? 'n/a' : r.pass ? 'PASS' : 'FAIL'
  return r.perRunPass === undefined ? v : `${v} (per-run median: ${r.perRunPass ? 'PASS' : 'FAIL'})`
}

const uniq = (xs: number[]): number[] => [...new Set(xs)].sort((a, b) => a - b)

/** Title of the results table of one server count and payload. */
export function tableTitle (servers: number, payloadBytes: number): string {
  return `${sizeLabel(payloadBytes)} echo, ${servers === 1 ? '1 server' : `${servers} servers`}`
}

/** One Markdown table (also readable on a terminal) per server count and payload; MB/s for the large payload. */
export function resultsTables (rows: Row[], heading = '###'): string {
  const out: string[] = []
  for (const servers of uniq(rows.map((r) => r.servers))) {
    for (const bytes of uniq(rows.filter((r) => r.servers === servers).map((r) => r.payloadBytes))) {
      const mb = bytes >= LARGE_PAYLOAD
      const lines = [
        `${heading} ${tableTitle(servers, bytes)}`,
        '',
        `| system | mode | calls/s |${mb ? ' MB/s |' : ''} p50 (µs) | p99 (µs) | CPU µs/call client | CPU µs/call servers | runs | errors |`,
        `| --- | --- | ---: |${mb ? ' ---: |' : ''} ---: | ---: | ---: | ---: | ---: | ---: |`
      ]
      for (const r of rows.filter((x) => x.servers === servers && x.payloadBytes === bytes)) {
        lines.push(`| ${r.label} | ${modeName(r.inFlight)} | ${fmtInt(r.callsPerSec)} |${mb ? ` ${r.mbPerSec.toFixed(1)} |` : ''} ${fmtUs(r.p50Us)} | ${fmtUs(r.p99Us)} | ${fmtUs(r.clientCpuUs)} | ${r.serverCpuUs === null ? '—' : fmtUs(r.serverCpuUs)} | ${r.runs} | ${r.errors} |`)
      }
      out.push(lines.join('\n'))
    }
  }
  return out.join('\n\n')
}

export function ratiosTable (rs: Ratio[]): string {
  const lines = [
    '| target | goal | ratio of the medians | per run | median of per-run | verdict |',
    '| --- | --- | ---: | --- | ---: | --- |'
  ]
  for (const r of rs) {
    lines.push(`| ${r.name} | ${r.goal} | ${r.value === null ? '—' : r.value.toFixed(2)} | ${r.perRun.map((x) => x.toFixed(2)).join(', ') || (r.note ?? '')} | ${r.perRunMedian === null ? '—' : r.perRunMedian.toFixed(2)} | ${verdict(r)} |`)
  }
  return lines.join('\n')
}

export function ratiosSummary (rs: Ratio[]): string {
  return rs.map((x) => `${verdict(x)} ${x.name} (${x.value === null ? 'n/a' : x.value.toFixed(2)}, goal ${x.goal})`).join('; ')
}
