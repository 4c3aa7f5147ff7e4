/**
 * Named constants of the scale benchmark (`npm run bench:scale`), with unit and source.
 */

/** Cluster sizes run as real processes (issue 7: N = 4, 8, 16, 32). */
export const REAL_SIZES = [4, 8, 16, 32] as const
/** Cluster sizes of `--quick`. */
export const REAL_SIZES_QUICK = [4, 8] as const
/** Cluster sizes of the simulator (issue 7 asks for 10,000). */
export const SIM_SIZES = [100, 1000, 5000, 10000] as const
/** Cluster sizes of the simulator under `--quick`. */
export const SIM_SIZES_QUICK = [100, 1000] as const

/** Cluster name of the benchmark (its own topic: a stray peer of another run cannot join). */
export const SCALE_CLUSTER = 'scale-bench'
/** In-process observer nodes besides the client (the client observes too): views sampled per measurement. */
export const OBSERVERS = 2
/** Peer processes started at once (each costs about 0.5 s of CPU to start on this 2-core machine). */
export const START_PARALLEL = 4
/** RPC traffic: routed `Calculator.add` calls per second from the client (modest: the machine has 2 cores). */
export const CALLS_PER_SECOND = 50
/** Deadline of each traffic call, ms. */
export const CALL_TIMEOUT_MS = 5000

/** Longest wait for every observer to see all N peers alive after the start, ms (76 s measured at N = 16 with a load average of 20 on 2 cores). */
export const CONVERGE_TIMEOUT_MS = 120_000
/** Quiet time after convergence before measuring, ms (lets start-up dials and push-pulls settle). */
export const SETTLE_MS = 5000
/**
 * Further quiet time per peer, ms: start-up churn (each join's push-pulls with every member, records, dials) grows
 * with N, and on this 2-core machine 32 peers were still settling 5 s after every observer saw them all.
 */
export const SETTLE_MS_PER_PEER = 1000
/** Window over which gossip bytes are counted, ms. */
export const BYTES_WINDOW_MS = 20_000
/** Window of `--quick`, ms. */
export const BYTES_WINDOW_MS_QUICK = 8000
/** Longest wait for a join to be seen by every observer, ms. */
export const JOIN_TIMEOUT_MS = 30_000
/**
 * Longest wait for a killed peer to be dead at every observer, ms: Lifeguard's suspicion timeout starts at
 * SuspicionMaxTimeoutMult (6) x SuspicionMult (4) x max(1, log10 N) x T, 36 s at N = 35 with T = 1 s, and shrinks
 * with confirmations; 60 s bounds it with margin.
 */
export const DEATH_TIMEOUT_MS = 60_000
/** Joins measured per N (the median is reported). */
export const JOIN_REPEATS = 3
/** Kills measured per N (the median is reported). */
export const KILL_REPEATS = 2
/** Repeats under `--quick`. */
export const REPEATS_QUICK = 1
/** Pause between measurements so that each starts from a settled cluster, ms. */
export const BETWEEN_MS = 3000
/** Hard bound of the whole real-process run, ms (about 6 min on a quiet machine; 20 min allows for a load average of 20). */
export const RUN_DEADLINE_MS = 20 * 60_000

/** Probe period T of the LAN profile, ms (memberlist DefaultLANConfig.ProbeInterval; peers run `--profile lan`). */
export const LAN_T_MS = 1000
