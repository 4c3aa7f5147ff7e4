import type { StreamTarget } from './target.js'

/** The systems of `npm run bench:streams`, loaded lazily so each child loads only its own stack. */
export const STREAM_TARGETS = {
  peercall: async () => (await import('./peercall.js')).target,
  libp2p: async () => (await import('./libp2p.js')).target
} satisfies Record<string, () => Promise<StreamTarget>>

export type StreamTargetName = keyof typeof STREAM_TARGETS

export function isStreamTargetName (s: string): s is StreamTargetName {
  return Object.hasOwn(STREAM_TARGETS, s)
}
