import type { Target } from './target.js'

/**
 * The systems, in report order, with the server counts each is measured with. Loaded lazily so that each child
 * process loads only its own stack.
 */
export const TARGETS = {
  peercall: { short: 'peercall routed', label: 'peercall routed (membership + balancer)', servers: [1, 4], load: async () => (await import('./peercall.js')).target },
  'peercall-pinned': { short: 'peercall pinned', label: 'peercall pinned (`peer`)', servers: [1], load: async () => (await import('./peercall-pinned.js')).target },
  'libp2p-echo': { short: 'bare libp2p stream', label: 'bare libp2p stream (tcp+noise+yamux)', servers: [1, 4], load: async () => (await import('./libp2p-echo.js')).target },
  net: { short: 'raw node:net', label: 'raw node:net RPC (same framing+codec)', servers: [1, 4], load: async () => (await import('./net.js')).target },
  grpc: { short: 'grpc-js', label: 'grpc-js unary', servers: [1, 4], load: async () => (await import('./grpc.js')).target },
  moleculer: { short: 'Moleculer 0.14', label: 'Moleculer 0.14 TCP transporter', servers: [1, 4], load: async () => (await import('./moleculer.js')).target },
  'moleculer-015': { short: 'Moleculer 0.15', label: 'Moleculer 0.15 TCP transporter', servers: [1, 4], load: async () => (await import('./moleculer-015.js')).target },
  hyperswarm: { short: '@hyperswarm/rpc', label: '@hyperswarm/rpc 3.5 (local testnet)', servers: [1, 4], load: async () => (await import('./hyperswarm-rpc.js')).target }
} satisfies Record<string, { label: string, short: string, servers: readonly number[], load: () => Promise<Target> }>

export type TargetName = keyof typeof TARGETS

export function isTargetName (s: string): s is TargetName {
  return Object.hasOwn(TARGETS, s)
}

export const LABELS: Record<string, string> = Object.fromEntries(Object.entries(TARGETS).map(([k, v]) => [k, v.label]))

/** Short names, for chart legends. */
export const SHORT_LABELS: Record<string, string> = Object.fromEntries(Object.entries(TARGETS).map(([k, v]) => [k, v.short]))
