/**
 * Named defaults of the benchmark harness, each with its unit and the reason for its value.
 */

/** Calls kept in flight by the concurrent mode. Source: issue 2 ("sequential and 64 in flight"). */
export const IN_FLIGHT_CONCURRENT = 64

/** Warm-up before each measured phase, in ms: lets the JIT settle and the connection's windows open. */
export const WARMUP_MS = 1_000

/** Measured phase per mode, in ms. 5 systems x 2 modes x 3 runs x (1 s + 3 s) + start-up stays under ~4 min. */
export const DURATION_MS = 3_000

/** Runs of every configuration in the default mode; the report gives the median. Source: the bench brief. */
export const RUNS = 3

/** `--quick`: one run, short phases; for a smoke test, not for figures. */
export const QUICK_WARMUP_MS = 300
export const QUICK_DURATION_MS = 1_000
export const QUICK_RUNS = 1

/** Longest wait for a server child to print its ready line, in ms (libp2p start-up is well under 2 s here). */
export const SERVER_READY_TIMEOUT_MS = 30_000

/** Extra time a client child gets beyond its phases before it is killed, in ms (connect + Moleculer discovery). */
export const CLIENT_SLACK_MS = 40_000

/** Grace period for a child to exit after SIGTERM before SIGKILL, in ms. */
export const KILL_GRACE_MS = 2_000

/** Histogram range for latencies, in ns: 1 ns .. 60 s, 3 significant figures (HdrHistogram convention). */
export const HISTOGRAM_HIGHEST_NS = 60_000_000_000
export const HISTOGRAM_FIGURES = 3

/** The request every RPC target sends: Calculator.add(1, 2) with a 1000 ms deadline (issue 2's small payload). */
export const ADD_ARGS: readonly [number, number] = [1, 2]
export const CALL_TIMEOUT_MS = 1_000
