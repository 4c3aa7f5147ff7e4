import type { Ratio, Row } from './summary.js'

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US')
const fmtUs = (n: number): string => n >= 100 ? fmtInt(n) : n.toFixed(1)

export function modeName (inFlight: number): string {
  return inFlight === 1 ? 'sequential' : `${inFlight} in flight`
}

export function verdict (r: Ratio): string {
  const v = r.pass === null ? 'n/a' : r.pass ? 'PASS' : 'MISS'
  return r.perRunPass === undefined ? v : `${v} (per-run median: ${r.perRunPass ? 'PASS' : 'MISS'})`
}

/** Markdown table of the results (also readable on a terminal). */
export function resultsTable (rows: Row[]): string {
  const lines = [
    '| system | mode | calls/s | p50 (µs) | p99 (µs) | CPU µs/call client | CPU µs/call server | runs | errors |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
  ]
  for (const r of rows) {
    lines.push(`| ${r.label} | ${modeName(r.inFlight)} | ${fmtInt(r.callsPerSec)} | ${fmtUs(r.p50Us)} | ${fmtUs(r.p99Us)} | ${fmtUs(r.clientCpuUs)} | ${r.serverCpuUs === null ? '—' : fmtUs(r.serverCpuUs)} | ${r.runs} | ${r.errors} |`)
  }
  return lines.join('\n')
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
