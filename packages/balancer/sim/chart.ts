/** A grouped bar chart as a standalone SVG string (no dependencies): categories on x, one bar per series. */

export interface ChartSpec {
  title: string
  yLabel: string
  categories: string[]
  series: Array<{ name: string, color: string, values: number[] }>
  /** Optional horizontal reference lines. */
  lines?: Array<{ value: number, label: string, color: string }>
  format?: (v: number) => string
  /** Bottom of the y axis (bars start there). @default 0 */
  yMin?: number
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

export function barChart (spec: ChartSpec): string {
  const W = 760; const H = 380
  const m = { top: 48, right: 20, bottom: 70, left: 64 }
  const pw = W - m.left - m.right
  const ph = H - m.top - m.bottom
  const fmt = spec.format ?? ((v: number) => v.toFixed(0))
  const all = spec.series.flatMap(s => s.values).concat((spec.lines ?? []).map(l => l.value))
  const yMin = spec.yMin ?? 0
  const maxV = yMin + niceCeil((Math.max(...all) - yMin) * 1.12)
  const y = (v: number): number => m.top + ph - ((v - yMin) / (maxV - yMin)) * ph
  const groupW = pw / spec.categories.length
  const barW = Math.min(40, (groupW * 0.8) / spec.series.length)
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`)
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`)
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(spec.title)}</text>`)
  for (let i = 0; i <= 5; i++) {
    const v = yMin + ((maxV - yMin) * i) / 5
    out.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`)
    out.push(`<text x="${m.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#555">${esc(fmt(v))}</text>`)
  }
  out.push(`<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#333">${esc(spec.yLabel)}</text>`)
  spec.categories.forEach((cat, ci) => {
    const gx = m.left + ci * groupW + (groupW - barW * spec.series.length) / 2
    spec.series.forEach((s, si) => {
      const v = s.values[ci]
      if (v === undefined || Number.isNaN(v)) return
      const x = gx + si * barW
      out.push(`<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(m.top + ph - y(v)).toFixed(1)}" fill="${s.color}"><title>${esc(`${s.name}, ${cat}: ${fmt(v)}`)}</title></rect>`)
      out.push(`<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(y(v) - 3).toFixed(1)}" text-anchor="middle" font-size="10" fill="#333">${esc(fmt(v))}</text>`)
    })
    out.push(`<text x="${(m.left + ci * groupW + groupW / 2).toFixed(1)}" y="${m.top + ph + 18}" text-anchor="middle">${esc(cat)}</text>`)
  })
  for (const l of spec.lines ?? []) {
    out.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${y(l.value).toFixed(1)}" y2="${y(l.value).toFixed(1)}" stroke="${l.color}" stroke-dasharray="6 4"/>`)
    out.push(`<text x="${m.left + 4}" y="${(y(l.value) - 4).toFixed(1)}" text-anchor="start" fill="${l.color}" font-size="11">${esc(l.label)}</text>`)
  }
  out.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${m.top + ph}" y2="${m.top + ph}" stroke="#333"/>`)
  let lx = m.left
  for (const s of spec.series) {
    out.push(`<rect x="${lx}" y="${H - 24}" width="12" height="12" fill="${s.color}"/>`)
    out.push(`<text x="${lx + 16}" y="${H - 14}">${esc(s.name)}</text>`)
    lx += 28 + s.name.length * 6.3
  }
  out.push('</svg>')
  return out.join('\n') + '\n'
}

function niceCeil (v: number): number {
  if (v <= 0) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  for (const k of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (k * p >= v) return k * p
  return 10 * p
}
