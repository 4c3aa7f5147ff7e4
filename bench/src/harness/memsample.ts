/** Memory of this process, in MB (10^6 bytes), after a forced full GC when Node runs with --expose-gc. */

export interface MemorySample {
  rssMB: number
  heapUsedMB: number
  heapTotalMB: number
  externalMB: number
  arrayBuffersMB: number
  /** Whether a GC was forced first (only with --expose-gc). */
  gc: boolean
}

const toMB = (bytes: number): number => Math.round(bytes / 1e4) / 100

/** Forces a full GC (twice: the second collects what the first's finalisers freed) when exposed. */
export function forceGc (): boolean {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) return false
  gc()
  gc()
  return true
}

export function sampleMemory (): MemorySample {
  const gc = forceGc()
  const m = process.memoryUsage()
  return { rssMB: toMB(m.rss), heapUsedMB: toMB(m.heapUsed), heapTotalMB: toMB(m.heapTotal), externalMB: toMB(m.external), arrayBuffersMB: toMB(m.arrayBuffers), gc }
}

/** Emits `{ sample: { tMs, ...MemorySample } }` every `periodMs` through `emit`, from now; returns the stop function. */
export function startSampler (periodMs: number, emit: (obj: Record<string, unknown>) => void): () => void {
  const t0 = Date.now()
  const timer = setInterval(() => { emit({ sample: { tMs: Date.now() - t0, ...sampleMemory() } }) }, periodMs)
  return () => { clearInterval(timer) }
}
