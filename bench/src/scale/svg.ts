/**
 * A small dependency-free SVG line chart: numeric x (linear or log), one y axis, several series.
 */

export interface Series {
  name: string
  ys: Array<number | undefined>
  dashed?: boolean
  /** Index into the palette (default: the series' position), so that two series can share a colour. */
  colour?: number
  /** Whether the series gets a legend entry (default true). */
  legend?: boolean
}
export interface LineChart {
  title: string
  xLabel: string
  yLabel: string
  xs: number[]
  series: Series[]
  logX?: boolean
  /** y axis from 0 (default) */
  yMin?: number
  /** Logarithmic y axis (decades from the smallest to the largest value; yMin is ignored). */
  logY?: boolean
}

/** Pixel size of a chart and its margins. */
const W = 640
const H = 360
const M = { left: 70, right: 180, top: 40, bottom: 50 }
/** Colours of the series, in order (Okabe-Ito palette, readable by colour-blind readers). */
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000']
const TICKS = 5

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

function niceMax (v: number): number {
  if (!(v > 0)) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p
  return 10 * p
}

const fmt = (v: number): string => Math.abs(v) >= 10_000 ? `${v / 1000}k` : String(Math.round(v * 100) / 100)

export function lineChart (c: LineChart): string {
  const pw = W - M.left - M.right
  const ph = H - M.top - M.bottom
  const fx = c.logX === true ? Math.log10 : (x: number): number => x
  const x0 = fx(Math.min(...c.xs)); const x1 = fx(Math.max(...c.xs))
  const all = c.series.flatMap(s => s.ys.filter((y): y is number => y !== undefined && Number.isFinite(y)))
  const logY = c.logY === true
  const positive = all.filter((y) => y > 0)
  const y0 = logY ? 10 ** Math.floor(Math.log10(Math.min(...positive, 1e9))) : c.yMin ?? 0
  const y1 = logY ? 10 ** Math.ceil(Math.log10(Math.max(...positive, y0 * 10))) : niceMax(Math.max(...all, y0 + 1e-9))
  const fy = logY ? (y: number): number => Math.log10(Math.max(y, y0)) : (y: number): number => y
  const px = (x: number): number => M.left + (x1 === x0 ? pw / 2 : (fx(x) - x0) / (x1 - x0) * pw)
  const py = (y: number): number => M.top + ph - (fy(y) - fy(y0)) / (fy(y1) - fy(y0)) * ph
  const yTicks = logY
    ? Array.from({ length: Math.round(Math.log10(y1 / y0)) + 1 }, (_, i) => y0 * 10 ** i)
    : Array.from({ length: TICKS + 1 }, (_, i) => y0 + (y1 - y0) * i / TICKS)
  const parts: string[] = []
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`)
  parts.push(`<rect width="${W}" height="${H}" fill="#fff"/>`)
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${esc(c.title)}</text>`)
  for (const v of yTicks) {
    const y = py(v)
    parts.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${y}" y2="${y}" stroke="#ddd"/>`)
    parts.push(`<text x="${M.left - 6}" y="${y + 4}" text-anchor="end">${fmt(v)}</text>`)
  }
  for (const x of c.xs) {
    parts.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${M.top}" y2="${M.top + ph}" stroke="#eee"/>`)
    parts.push(`<text x="${px(x)}" y="${M.top + ph + 16}" text-anchor="middle">${fmt(x)}</text>`)
  }
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`)
  parts.push(`<text x="${M.left + pw / 2}" y="${H - 12}" text-anchor="middle">${esc(c.xLabel)}</text>`)
  parts.push(`<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(c.yLabel)}</text>`)
  let slot = 0
  c.series.forEach((s, k) => {
    const colour = COLOURS[(s.colour ?? k) % COLOURS.length]
    const pts = c.xs.map((x, i) => [x, s.ys[i]] as const).filter((p): p is readonly [number, number] => p[1] !== undefined && Number.isFinite(p[1]))
    if (pts.length > 0) {
      const d = pts.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')
      parts.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''}/>`)
      for (const [x, y] of pts) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${colour}"/>`)
    }
    if (s.legend === false) return
    const ly = M.top + 10 + slot++ * 18
    parts.push(`<line x1="${M.left + pw + 10}" x2="${M.left + pw + 30}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''}/>`)
    parts.push(`<text x="${M.left + pw + 34}" y="${ly + 4}">${esc(s.name)}</text>`)
  })
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}
