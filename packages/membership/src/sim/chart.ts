/**
 * `npm run chart -w @peercall/membership`: draws the simulator's results (`sim-results.json`, written by
 * `main.ts`) as one SVG with two panels: gossip rounds to reach every peer against N (log scale), and membership
 * messages per peer per period against N. No dependencies: plain SVG text.
 */
import { readFileSync, writeFileSync } from 'node:fs'

interface Results {
  seed: number
  dissemination: Array<{ n: number, maxRounds: number, meanRounds: number }>
  disseminationLoss: Array<{ n: number, maxRounds: number }>
  messages: Array<{ n: number, perPeerPerPeriod: number }>
  messagesLoss: Array<{ n: number, perPeerPerPeriod: number }>
}

interface Series { name: string, color: string, points: Array<[number, number]>, dash?: string }

const W = 420
const H = 300
const M = { l: 52, r: 16, t: 34, b: 46 }

function panel (x0: number, title: string, yLabel: string, series: Series[], yMax: number, ref?: Series): string {
  const xs = series.flatMap(s => s.points.map(p => p[0]))
  const lx = (n: number): number => Math.log10(n)
  const xMin = Math.min(...xs.map(lx))
  const xMax = Math.max(...xs.map(lx))
  const px = (n: number): number => x0 + M.l + ((lx(n) - xMin) / (xMax - xMin)) * (W - M.l - M.r)
  const py = (y: number): number => M.t + (1 - y / yMax) * (H - M.t - M.b)
  const out: string[] = []
  out.push(`<text x="${x0 + W / 2}" y="18" text-anchor="middle" font-weight="bold">${title}</text>`)
  out.push(`<line x1="${x0 + M.l}" y1="${py(0)}" x2="${x0 + W - M.r}" y2="${py(0)}" stroke="#333"/>`)
  out.push(`<line x1="${x0 + M.l}" y1="${M.t}" x2="${x0 + M.l}" y2="${py(0)}" stroke="#333"/>`)
  const step = yMax <= 10 ? 1 : yMax <= 20 ? 2 : 10
  for (let y = 0; y <= yMax + 1e-9; y += step) {
    out.push(`<line x1="${x0 + M.l - 4}" y1="${py(y)}" x2="${x0 + W - M.r}" y2="${py(y)}" stroke="#ddd"/>`)
    out.push(`<text x="${x0 + M.l - 8}" y="${py(y) + 4}" text-anchor="end">${y}</text>`)
  }
  for (const n of [...new Set(xs)].sort((a, b) => a - b)) {
    out.push(`<text x="${px(n)}" y="${py(0) + 18}" text-anchor="middle">${n}</text>`)
  }
  out.push(`<text x="${x0 + W / 2}" y="${H - 8}" text-anchor="middle">N (peers, log scale)</text>`)
  out.push(`<text transform="translate(${x0 + 14},${(M.t + py(0)) / 2}) rotate(-90)" text-anchor="middle">${yLabel}</text>`)
  const all = ref === undefined ? series : [...series, ref]
  all.forEach((s, i) => {
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ')
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash !== undefined ? ` stroke-dasharray="${s.dash}"` : ''}/>`)
    if (s.dash === undefined) for (const p of s.points) out.push(`<circle cx="${px(p[0])}" cy="${py(p[1])}" r="3" fill="${s.color}"/>`)
    out.push(`<rect x="${x0 + M.l + 10}" y="${M.t + 4 + i * 16}" width="12" height="3" fill="${s.color}"/>`)
    out.push(`<text x="${x0 + M.l + 28}" y="${M.t + 9 + i * 16}">${s.name}</text>`)
  })
  return out.join('\n')
}

export function chart (r: Results): string {
  const rounds: Series[] = [
    { name: 'rounds to reach all (max)', color: '#1f77b4', points: r.dissemination.map(d => [d.n, d.maxRounds]) },
    { name: 'same, 10% loss', color: '#ff7f0e', points: r.disseminationLoss.map(d => [d.n, d.maxRounds]) }
  ]
  const ref: Series = { name: 'log5(N) + 1', color: '#999', dash: '4 3', points: r.dissemination.map(d => [d.n, Math.log(d.n) / Math.log(5) + 1]) }
  const yR = Math.ceil(Math.max(...rounds.flatMap(s => s.points.map(p => p[1])), ...ref.points.map(p => p[1])) + 1)
  const msgs: Series[] = [
    { name: 'no loss (steady state)', color: '#2ca02c', points: r.messages.map(m => [m.n, m.perPeerPerPeriod]) },
    { name: '10% loss', color: '#d62728', points: r.messagesLoss.map(m => [m.n, m.perPeerPerPeriod]) }
  ]
  const yM = Math.ceil(Math.max(...msgs.flatMap(s => s.points.map(p => p[1]))) / 10) * 10
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
${panel(0, 'Dissemination of a new record', 'gossip rounds (mesh hops)', rounds, yR, ref)}
${panel(W, 'Membership messages per peer per period', 'messages sent', msgs, yM)}
<text x="${W}" y="${H - 1}" text-anchor="middle" font-size="9" fill="#666">simulator, seed ${r.seed}; packages/membership/src/sim</text>
</svg>
`
}

const [input, output] = process.argv.slice(2)
if (input !== undefined && output !== undefined) {
  writeFileSync(output, chart(JSON.parse(readFileSync(input, 'utf8')) as Results))
  console.log(`written ${output}`)
}
