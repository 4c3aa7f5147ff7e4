/** Small statistics helpers of the scale benchmark. */

export function median (xs: readonly number[]): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

export function percentile (xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]
}

export const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

/** Poll `cond` every `everyMs` until true or `timeoutMs`; returns whether it became true. */
export async function waitFor (cond: () => boolean, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const end = performance.now() + timeoutMs
  while (performance.now() < end) {
    if (cond()) return true
    await sleep(everyMs)
  }
  return cond()
}

/** Round to `d` decimals. */
export const round = (x: number, d = 2): number => Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x
