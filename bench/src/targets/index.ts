import type { Target } from './target.js'

/** The systems, in report order. Loaded lazily so that each child process loads only its own stack. */
export const TARGETS = {
  peercall: { label: 'peercall', load: async () => (await import('./peercall.js')).target },
  'libp2p-echo': { label: 'bare libp2p stream (tcp+noise+yamux)', load: async () => (await import('./libp2p-echo.js')).target },
  net: { label: 'raw node:net RPC (same framing+codec)', load: async () => (await import('./net.js')).target },
  grpc: { label: 'grpc-js unary', load: async () => (await import('./grpc.js')).target },
  moleculer: { label: 'Moleculer 0.14 TCP transporter', load: async () => (await import('./moleculer.js')).target }
} satisfies Record<string, { label: string, load: () => Promise<Target> }>

export type TargetName = keyof typeof TARGETS

export function isTargetName (s: string): s is TargetName {
  return Object.hasOwn(TARGETS, s)
}
