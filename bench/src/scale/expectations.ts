/**
 * Published expectations the measured figures are compared with.
 *
 * - SWIM (Das, Gupta, Motivala, DSN 2002), section 3.1: each member pings one random member per protocol period T,
 *   so a failed member is first pinged, and so first detected, after an expected 1 / (1 - e^-1) = e / (e - 1)
 *   periods (about 1.58 T); the message load per member per period is constant, independent of N (one ping, one
 *   ack on average; a few more under loss through the k indirect probes).
 * - SWIM section 4.1: infection-style dissemination reaches every member in O(log N) periods (lambda log N).
 * - memberlist (hashicorp/memberlist `util.go` suspicionTimeout, `suspicion.go`): a suspect is declared dead after
 *   SuspicionMult x max(1, log10 N) x T; with Lifeguard the timeout starts at SuspicionMaxTimeoutMult times that
 *   and falls to it as SuspicionMult - 2 independent confirmations arrive.
 */
import { expectedConfirmations, LAN, suspicionTimeout } from '@peercall/membership'

/** SWIM's expected periods to first detection, e / (e - 1). */
export const SWIM_FIRST_DETECTION_PERIODS = Math.E / (Math.E - 1)

/** Mean mesh degree of gossipsub (D = 6), the fan-out of each dissemination round. */
export const GOSSIPSUB_D = 6

/** memberlist's suspicion timeout (min, and Lifeguard's max) for a cluster of n, ms, LAN profile. */
export function memberlistSuspicion (n: number): { minMs: number, maxMs: number, k: number } {
  const minMs = suspicionTimeout(LAN.suspicionMult, n, LAN.probeIntervalMs)
  return { minMs, maxMs: minMs * LAN.suspicionMaxTimeoutMult, k: expectedConfirmations(LAN.suspicionMult, n) }
}

/**
 * Rounds a flood over a random graph of degree D needs to reach n peers, to first order: each informed peer
 * passes the message to D - 1 new ones, so about log_(D-1) n rounds (a lower bound; the last few peers take one
 * or two rounds more).
 */
export function floodRounds (n: number, d = GOSSIPSUB_D): number {
  return Math.log(n) / Math.log(d - 1)
}

/**
 * memberlist's expected time for a killed member to be dead everywhere, in T: first detection (SWIM) plus the
 * suspicion timeout, between its minimum (all confirmations) and Lifeguard's maximum (none).
 */
export function expectedDeadEverywhere (n: number): { minT: number, maxT: number } {
  const s = memberlistSuspicion(n)
  return { minT: SWIM_FIRST_DETECTION_PERIODS + s.minMs / LAN.probeIntervalMs, maxT: SWIM_FIRST_DETECTION_PERIODS + s.maxMs / LAN.probeIntervalMs }
}
