/**
 * Named defaults of the membership protocol, with unit and source. Two profiles: `LAN` (memberlist's
 * DefaultLANConfig) and `FAST` (a loopback/test profile with the same ratios and a 200 ms period).
 */

/** Probe period T in ms (memberlist DefaultLANConfig.ProbeInterval = 1 s). */
export const PROBE_INTERVAL_MS = 1000
/** Time to wait for a direct ack in ms (memberlist DefaultLANConfig.ProbeTimeout = 500 ms). */
export const PROBE_TIMEOUT_MS = 500
/** Number of indirect probes after a failed direct probe (memberlist DefaultLANConfig.IndirectChecks = 3). */
export const INDIRECT_CHECKS = 3
/**
 * An intermediary sends its nack after this fraction of the probe timeout without an ack, so that the nack reaches
 * the prober before the probe's deadline (Lifeguard paper, Dadgar et al. 2018: 80% of the probe timeout).
 */
export const NACK_TIMEOUT_FRACTION = 0.8
/** Suspicion multiplier: timeout = mult x max(1, log10 N) x T (memberlist DefaultLANConfig.SuspicionMult = 4). */
export const SUSPICION_MULT = 4
/** Upper bound of the suspicion timeout as a multiple of its minimum (memberlist SuspicionMaxTimeoutMult = 6). */
export const SUSPICION_MAX_TIMEOUT_MULT = 6
/** Maximum local health multiplier; the score runs 0..7 (memberlist AwarenessMaxMultiplier = 8). */
export const AWARENESS_MAX_MULTIPLIER = 8
/** Interval of the periodic full state exchange in ms (memberlist DefaultLANConfig.PushPullInterval = 30 s). */
export const PUSH_PULL_INTERVAL_MS = 30_000
/**
 * How long a dead or left member is kept (tombstone) and its addresses re-dialled, in ms. memberlist keeps
 * gossiping to the dead for 30 s (GossipToTheDeadTime); peercall keeps them 5 min so that a partition of a few
 * minutes still heals by re-dialling (peercall choice).
 */
export const TOMBSTONE_MS = 300_000
/**
 * A timer that fires this late (ms) is taken as a sign that this peer's own event loop stalled: with Lifeguard the
 * decision it carries is put off until queued input has been read, and the health score rises (peercall: one probe
 * timeout; smaller values make a peer on a busy shared machine think itself unhealthy and slow its probing down).
 */
export const LATENESS_THRESHOLD_MS = PROBE_TIMEOUT_MS
/** How long a member declared dead has to answer a ping on its open connection before the connection is closed as a zombie (so the dialer re-dials it), ms: four probe timeouts. */
export const DEAD_PING_TIMEOUT_MS = 4 * PROBE_TIMEOUT_MS
/**
 * How long a live member whose probe was answered only through others has to answer a ping on our connection to it
 * before that connection is closed as cut (the next call or probe then dials anew), ms. Twice libp2p's own minimum for
 * its connection monitor's ping (AdaptiveTimeout's 5 s): the member is alive, so a slow answer from a busy peer must
 * not cost it a connection with calls on it (peercall choice).
 */
export const LINK_PING_TIMEOUT_MS = 10_000
/** Extra delay, in ms, given to queued input before a late timer's decision is taken (one event-loop turn). */
export const LATE_GRACE_MS = 1

/** Period of the record refresh, ms (the LAN probe period: a record every period keeps load figures fresh). */
export const RECORD_INTERVAL_MS = 1000

/**
 * Bytes of membership frames that may wait, per peer, for the long-lived stream to that peer to take them, past
 * which a new message is dropped and reported as a failed send (peercall choice: an idle peer writes well under
 * 1 KiB per period to each peer, and a full state exchange of 1,000 members is about 300 KiB; 1 MiB is four of
 * yamux's 256 KiB stream windows). A message is always accepted into an empty queue, so the largest message
 * (MAX_MESSAGE_BYTES) is never refused for its size alone.
 */
export const MAX_QUEUED_BYTES_PER_PEER = 1024 * 1024
/**
 * Membership streams per connection and direction (`maxInboundStreams`, `maxOutboundStreams` of the protocol
 * handler): one is in use per direction; the others let a new stream open while the remote still closes the
 * previous one (peercall choice; libp2p's default is 32 inbound, 64 outbound).
 */
export const MEMBERSHIP_STREAMS_PER_CONNECTION = 4
/** How long stop() waits for a stream to close gracefully before resetting it, ms (peercall choice). */
export const STREAM_CLOSE_TIMEOUT_MS = 1000

/** Protocol timing and behaviour of the SWIM + Lifeguard state machine. */
export interface SwimConfig {
  /** Probe period T in ms. @default 1000 (memberlist LAN) */
  probeIntervalMs: number
  /** Direct probe timeout in ms. @default 500 (memberlist LAN) */
  probeTimeoutMs: number
  /** Indirect probes k. @default 3 (memberlist LAN) */
  indirectChecks: number
  /** Suspicion multiplier. @default 4 (memberlist LAN) */
  suspicionMult: number
  /** Max suspicion timeout as a multiple of the minimum. @default 6 (memberlist) */
  suspicionMaxTimeoutMult: number
  /** Max local health multiplier. @default 8 (memberlist) */
  awarenessMaxMultiplier: number
  /** Period of the full state exchange in ms. @default 30000 (memberlist LAN) */
  pushPullIntervalMs: number
  /** How long dead/left members are remembered in ms. @default 300000 */
  tombstoneMs: number
  /** Lateness (ms) of a timer taken as a local stall. @default probeTimeoutMs */
  latenessThresholdMs: number
  /**
   * Lifeguard on: local health awareness (LHA-Probe), nacks, suspicion timeouts that start at the max and shrink
   * with independent confirmations (LHA-Suspicion), the buddy system, late-timer detection. Off: plain SWIM with a
   * fixed suspicion timeout (the minimum). @default true
   */
  lifeguard: boolean
}

/** memberlist's LAN profile: T = 1 s. */
export const LAN: SwimConfig = Object.freeze({
  probeIntervalMs: PROBE_INTERVAL_MS,
  probeTimeoutMs: PROBE_TIMEOUT_MS,
  indirectChecks: INDIRECT_CHECKS,
  suspicionMult: SUSPICION_MULT,
  suspicionMaxTimeoutMult: SUSPICION_MAX_TIMEOUT_MULT,
  awarenessMaxMultiplier: AWARENESS_MAX_MULTIPLIER,
  pushPullIntervalMs: PUSH_PULL_INTERVAL_MS,
  tombstoneMs: TOMBSTONE_MS,
  latenessThresholdMs: LATENESS_THRESHOLD_MS,
  lifeguard: true
})

/**
 * Fast profile for loopback and tests: T = 500 ms, probe timeout T/2 (the LAN ratio), suspicion multiplier 3
 * (memberlist DefaultLocalConfig), push-pull every 5 s, tombstones kept 60 s. (T = 200 ms was tried: on a loaded
 * 2-core machine with 8-16 peers in one process, acks then miss a 100 ms timeout and Lifeguard, rightly, slows
 * every peer down.)
 */
export const FAST: SwimConfig = Object.freeze({
  ...LAN,
  probeIntervalMs: 500,
  probeTimeoutMs: 250,
  suspicionMult: 3,
  pushPullIntervalMs: 5_000,
  tombstoneMs: 60_000,
  latenessThresholdMs: 250
})

/** Resolve a partial configuration against a profile (default LAN). */
export function resolveConfig (partial: Partial<SwimConfig> = {}, profile: SwimConfig = LAN): SwimConfig {
  const base = { ...profile }
  for (const [k, v] of Object.entries(partial)) {
    if (v !== undefined) (base as Record<string, unknown>)[k] = v
  }
  if (partial.latenessThresholdMs === undefined && partial.probeTimeoutMs !== undefined) {
    base.latenessThresholdMs = partial.probeTimeoutMs
  }
  return base
}
