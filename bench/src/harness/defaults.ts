/**
 * Named defaults of the benchmark harness, each with its unit and the reason for its value.
 */

/** Calls kept in flight, per phase: sequential (latency), a busy client (64, the throughput goals' level), and a saturated one. */
export const IN_FLIGHT_LEVELS: readonly number[] = [1, 64, 256]

/** The in-flight level of the throughput goals. */
export const IN_FLIGHT_CONCURRENT = 64

/** Echo payload sizes, in bytes (an ASCII string of that many bytes): a small call, a typical record, a bulk transfer. */
export const PAYLOAD_SIZES: readonly number[] = [16, 1024, 65_536]

/** The payload of the small-call targets, in bytes. */
export const SMALL_PAYLOAD = 16

/** The payload of the throughput (MB/s) target, in bytes. */
export const LARGE_PAYLOAD = 65_536

/** Server processes per configuration: one, and four for the balancer to spread over. */
export const SERVER_COUNTS: readonly number[] = [1, 4]

/**
 * Warm-up before each measured phase, in ms: lets the JIT settle and the connection's windows open. With
 * 6 systems x 2 server counts x 3 payloads x 3 levels x 3 runs, 500 ms + 2 s per phase keeps `npm run bench` near
 * 15 minutes on a 2-core machine (the plan: under about 20 minutes).
 */
export const WARMUP_MS = 500

/**
 * Before its first phase, a fresh client process calls sequentially, unmeasured, for this long, in ms. A fresh
 * process's JIT takes peercall's call path about 3 s of sequential calls to settle (30,000-40,000 calls; Moleculer's
 * well under 1 s: docs/performance.md, "Sequential calls"), so without it the first phase (the smallest payload,
 * sequential) measured where each system was in its ramp rather than its steady cost. The ramp itself is measured
 * on its own (`bench/dist/src/ramp/main.js`). The same for every system.
 */
export const PROCESS_WARMUP_MS = 3_000
export const QUICK_PROCESS_WARMUP_MS = 0

/** Measured phase per configuration, in ms (see WARMUP_MS). */
export const DURATION_MS = 2_000

/** Runs of every configuration in the default mode; the report gives the median. Source: the bench brief. */
export const RUNS = 3

/** `--quick`: one run, short phases; for a smoke test, not for figures. */
export const QUICK_WARMUP_MS = 200
export const QUICK_DURATION_MS = 600
export const QUICK_RUNS = 1

/** Longest wait for a server child to print its ready line, in ms (libp2p start-up is well under 2 s here). */
export const SERVER_READY_TIMEOUT_MS = 30_000

/** Extra time a client child gets beyond its phases before it is killed, in ms (connect, membership or Moleculer discovery). */
export const CLIENT_SLACK_MS = 60_000

/** Grace period for a child to exit after SIGTERM before SIGKILL, in ms. */
export const KILL_GRACE_MS = 2_000

/** Histogram range for latencies, in ns: 1 ns .. 60 s, 3 significant figures (HdrHistogram convention). */
export const HISTOGRAM_HIGHEST_NS = 60_000_000_000
export const HISTOGRAM_FIGURES = 3

/**
 * Deadline sent with each peercall-framed request, in ms. 256 calls of 64 KiB in flight queue 16 MiB, which
 * takes well over 100 ms to drain on this machine; 5 s keeps the deadline out of the measurement.
 */
export const CALL_TIMEOUT_MS = 5_000

/**
 * Longest wait for a client to see every serving peer (peercall: membership shows them hosting Echo;
 * Moleculer: every node's echo action discovered), in ms. LAN profile gossip period 1 s, Moleculer's 2 s.
 */
export const DISCOVERY_TIMEOUT_MS = 30_000

/** Poll period while waiting for discovery, in ms. */
export const DISCOVERY_POLL_MS = 50

/** Memory: the measured peer connected to this many other peers, in turn (alone, then small to mid-sized clusters). */
export const MEMORY_PEER_STEPS: readonly number[] = [0, 4, 8, 16]

/** Memory: peers per helper process (4 helpers of 4 peers reach 16 with 4 process start-ups instead of 16). */
export const MEMORY_PEERS_PER_HELPER = 4

/** Memory: time left after the peers are connected before measuring, in ms (gossip settles, buffers fill). */
export const MEMORY_SETTLE_MS = 3_000

/** Memory: samples after a forced GC at each step, MEMORY_SAMPLE_GAP_MS apart; the report gives the median. */
export const MEMORY_SAMPLES = 3
export const MEMORY_SAMPLE_GAP_MS = 500

/** Memory: longest wait for the measured peer to see a step's peers connected, in ms. */
export const MEMORY_CONNECT_TIMEOUT_MS = 60_000

/** Soak: default duration, in minutes (long enough for a leak of a few bytes per call to show in the slope). */
export const SOAK_MINUTES = 10

/** Soak: memory sample period in the client and in one server, in ms (60 samples in the default soak). */
export const SOAK_SAMPLE_MS = 10_000

/** Soak: calls in flight, serving peers and payload: 64 in flight across 4 serving peers, 1 KiB (the middle payload). */
export const SOAK_IN_FLIGHT = 64
export const SOAK_SERVERS = 4
export const SOAK_PAYLOAD = 1_024

/** Soak: samples before this time are warm-up and left out of the slope, in ms (at most half the soak). */
export const SOAK_WARMUP_MS = 60_000

/** Streams: item sizes, in bytes: small items (per-item cost) and 64 KiB items (bulk throughput). */
export const STREAM_ITEM_SIZES: readonly number[] = [16, 65_536]

/**
 * Streams: items per measured stream, by item size: short streams (about a quarter of a second for the slower
 * system: 16 B ~20,000 items/s, 64 KiB ~300 items/s on this shared 2-core machine), many rounds, so that the
 * variants alternate faster than the load of the other work on the machine changes (it moves over seconds; with
 * 2-second streams single rounds differed by up to 7x). Stream set-up is one round trip on an open stream for both systems.
 */
export const STREAM_ITEMS: Readonly<Record<number, number>> = { 16: 5_000, 65_536: 200 }

/** Streams: items per measured stream of the bare stream's batched variant (16 B items, ~1-5 million items/s). */
export const STREAM_BATCHED_ITEMS = 250_000

/** Streams: rounds of every variant, alternated; the report gives the medians. At least 5 (the task); 41 short rounds (about 40 s) cancel the machine's noise better than a few long ones. */
export const STREAM_ROUNDS = 41

/** Streams: the bare stream's batched variant joins items into writes of up to this many bytes (yamux's default max message, 64 KiB). */
export const STREAM_BATCH_BYTES = 65_536

/** Streams: deadline of each peercall stream, in ms (the deadline covers the whole stream: keep it out of the measurement). */
export const STREAM_TIMEOUT_MS = 120_000

/** Streams: longest a client child may take for one stream before the run fails, in ms. */
export const STREAM_READ_TIMEOUT_MS = 120_000

/** Streams: the goal, peercall's MB/s over the bare stream's, 64 KiB items. */
export const STREAM_GOAL_RATIO = 0.7
