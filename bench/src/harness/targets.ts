import { IN_FLIGHT_CONCURRENT, LARGE_PAYLOAD, SMALL_PAYLOAD } from './defaults.js'
import { median } from './stats.js'
import { pick, type Config, type Row } from './summary.js'

/** A goal, as a ratio between two figures of the same run set. */
export interface Ratio {
  name: string
  /** Human-readable goal, e.g. ">= 10". */
  goal: string
  value: number | null
  /** Ratios computed within each run (same run, same machine state), to show the spread. */
  perRun: number[]
  /** Median of the per-run ratios; can differ from `value` (the ratio of the medians). */
  perRunMedian: number | null
  pass: boolean | null
  /** Verdict of the per-run median, when it differs from `pass`. */
  perRunPass?: boolean
  note?: string
}

type Field = 'callsPerSec' | 'p50Us' | 'mbPerSec'

const round2 = (x: number): number => Math.round(x * 100) / 100

function ratio (rows: Row[], name: string, goal: string, ok: (v: number) => boolean, a: Config, b: Config, field: Field): Ratio {
  const ra = pick(rows, a)
  const rb = pick(rows, b)
  if (ra === undefined || rb === undefined) {
    const missing = [ra === undefined ? a.target : null, rb === undefined ? b.target : null].filter((x) => x !== null).join(', ')
    return { name, goal, value: null, perRun: [], perRunMedian: null, pass: null, note: `not measured: ${missing}` }
  }
  const value = ra[field] / rb[field]
  const perRun = ra.perRun.flatMap((x) => {
    const y = rb.perRun.find((z) => z.run === x.run)
    return y === undefined ? [] : [round2(x[field] / y[field])]
  })
  const perRunMedian = perRun.length > 0 ? round2(median(perRun)) : null
  const pass = ok(value)
  const perRunPass = perRunMedian === null ? pass : ok(perRunMedian)
  return { name, goal, value: round2(value), perRun, perRunMedian, pass, ...(perRunPass !== pass ? { perRunPass } : {}) }
}

const at = (target: string, payloadBytes: number, inFlight: number): Config => ({ target, servers: 1, payloadBytes, inFlight })
const atLeast = (x: number) => (v: number): boolean => v >= x
const atMost = (x: number) => (v: number): boolean => v <= x

/** The goals of peercall's routed path (membership + balancer in the loop), one server. */
export function routedTargets (rows: Row[]): Ratio[] {
  const C = IN_FLIGHT_CONCURRENT
  const S = SMALL_PAYLOAD
  const L = LARGE_PAYLOAD
  const pc = 'peercall'
  return [
    ratio(rows, `${C} in flight, ${S} B: peercall routed / grpc-js calls/s`, '>= 10', atLeast(10), at(pc, S, C), at('grpc', S, C), 'callsPerSec'),
    ratio(rows, `${C} in flight, ${S} B: peercall routed / Moleculer calls/s`, '>= 2', atLeast(2), at(pc, S, C), at('moleculer', S, C), 'callsPerSec'),
    ratio(rows, `${C} in flight, ${S} B: peercall routed / raw node:net calls/s`, '>= 0.4', atLeast(0.4), at(pc, S, C), at('net', S, C), 'callsPerSec'),
    ratio(rows, `sequential p50, ${S} B: peercall routed / bare libp2p ping-pong`, '<= 1.2', atMost(1.2), at(pc, S, 1), at('libp2p-echo', S, 1), 'p50Us'),
    ratio(rows, `${C} in flight, ${L / 1024} KiB: peercall routed / bare libp2p stream MB/s`, '>= 0.5', atLeast(0.5), at(pc, L, C), at('libp2p-echo', L, C), 'mbPerSec')
  ]
}

/** The goals of peercall pinned to its server, on the 16 B echo. */
export function pinnedTargets (rows: Row[]): Ratio[] {
  const C = IN_FLIGHT_CONCURRENT
  const S = SMALL_PAYLOAD
  const pc = 'peercall-pinned'
  return [
    ratio(rows, `${C} in flight: peercall pinned / grpc-js calls/s`, '>= 10', atLeast(10), at(pc, S, C), at('grpc', S, C), 'callsPerSec'),
    ratio(rows, `${C} in flight: peercall pinned / raw node:net calls/s`, '>= 0.3', atLeast(0.3), at(pc, S, C), at('net', S, C), 'callsPerSec'),
    ratio(rows, 'sequential p50: peercall pinned / bare libp2p ping-pong', '<= 1.2', atMost(1.2), at(pc, S, 1), at('libp2p-echo', S, 1), 'p50Us'),
    ratio(rows, 'sequential p50: peercall pinned / grpc-js', '< 1', (v) => v < 1, at(pc, S, 1), at('grpc', S, 1), 'p50Us')
  ]
}

/** Of `targets`, the one with the best median `field` at `config` (the highest rate, or the lowest latency). */
function best (rows: Row[], targets: string[], payloadBytes: number, inFlight: number, field: Field): Config {
  const lowerIsBetter = field === 'p50Us'
  const found = targets.map((t) => ({ t, row: pick(rows, at(t, payloadBytes, inFlight)) })).filter((x) => x.row !== undefined)
  if (found.length === 0) return at(targets[0], payloadBytes, inFlight)
  found.sort((a, b) => lowerIsBetter ? a.row![field] - b.row![field] : b.row![field] - a.row![field])
  return at(found[0].t, payloadBytes, inFlight)
}

/** The goals against Moleculer (the faster of 0.14 and 0.15) and @hyperswarm/rpc, peercall routed, 16 B. */
export function frameworkTargets (rows: Row[]): Ratio[] {
  const C = IN_FLIGHT_CONCURRENT
  const S = SMALL_PAYLOAD
  const pc = 'peercall'
  const molecular = ['moleculer', 'moleculer-015']
  const fastest = best(rows, molecular, S, C, 'callsPerSec')
  const quickest = best(rows, molecular, S, 1, 'p50Us')
  const name = (c: Config): string => c.target === 'moleculer' ? 'Moleculer 0.14' : 'Moleculer 0.15'
  return [
    ratio(rows, `${C} in flight: peercall routed / ${name(fastest)} (the faster) calls/s`, '>= 1.5', atLeast(1.5), at(pc, S, C), fastest, 'callsPerSec'),
    ratio(rows, `${C} in flight: peercall routed / @hyperswarm/rpc calls/s`, '> 1', (v) => v > 1, at(pc, S, C), at('hyperswarm', S, C), 'callsPerSec'),
    ratio(rows, `sequential p50: peercall routed / ${name(quickest)} (the quicker)`, '<= 1.5', atMost(1.5), at(pc, S, 1), quickest, 'p50Us'),
    ratio(rows, 'sequential p50: peercall routed / @hyperswarm/rpc', '<= 1', atMost(1), at(pc, S, 1), at('hyperswarm', S, 1), 'p50Us')
  ]
}
