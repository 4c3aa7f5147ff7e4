/**
 * Named defaults of the RPC core, each with its unit and where the figure comes from.
 */

/** libp2p protocol id of the RPC stream. */
export const RPC_PROTOCOL = '/peercall/rpc/2.0.0'

/** Largest frame body accepted or sent, in bytes (gRPC's default receive limit is 4 MiB). */
export const MAX_FRAME_SIZE = 4 * 1024 * 1024

/** Calls one remote peer may have executing here at once; beyond it calls get OVERLOADED (gRPC maxConcurrentStreams is 100 per connection; we multiplex many cheaper calls on one stream). */
export const MAX_INFLIGHT_PER_PEER = 1024

/** Deepest nesting of arrays, maps and extensions accepted in one decoded frame (JSON parsers commonly stop at 64..512). */
export const MAX_DECODE_DEPTH = 64

/** Bytes queued for one stream that it has not taken yet, past which new requests wait for room (flow control; gRPC-js buffers per call up to its 4 MiB message limit, HTTP/2's initial window is 64 KiB and yamux's 256 KiB). */
export const MAX_PENDING_WRITE_BYTES = 16 * 1024 * 1024

/** Bytes queued across all of a node's streams past which new requests wait for room, whatever their stream (four streams' worth). */
export const MAX_NODE_PENDING_WRITE_BYTES = 64 * 1024 * 1024

/** RPC streams one remote peer may have open to this peer at once, per connection; more are refused by libp2p (yamux allows 256 streams of all protocols; one stream carries every call, so a few spare for reconnects suffice). */
export const MAX_RPC_STREAMS_PER_PEER = 16

/** An inbound RPC stream on which the remote sent nothing for this long, with no call in flight either way, is closed (GOAWAY, then end), ms (nginx's http2 idle timeout is 3 min; a peer reopens a stream on its next call). */
export const RPC_IDLE_TIMEOUT_MS = 300_000

/** An inbound RPC stream whose opener sent no byte within this long is closed, ms (a peer sends its first frame as soon as it opens a stream; nginx's client_header_timeout is 60 s). */
export const RPC_FIRST_FRAME_TIMEOUT_MS = 10_000

/** How long reading from a peer stays paused because it does not read the answers queued for it (past MAX_PENDING_WRITE_BYTES), before its stream is closed, ms. */
export const WRITE_STALL_TIMEOUT_MS = 30_000

/** Deadline of a call that names none, in ms (Finagle's and Moleculer's defaults are finite; gRPC's is infinite). */
export const DEFAULT_TIMEOUT_MS = 30_000

/** How long a dial of a peer for the RPC stream may take, in ms (libp2p's dialTimeout default is 5 s). */
export const DIAL_TIMEOUT_MS = 5_000

/** How long stop() waits for calls this peer is executing to finish, in ms. */
export const DRAIN_TIMEOUT_MS = 5_000

/** Largest clock offset from a remote timestamp that the hybrid logical clock accepts, in ms (CockroachDB's default max offset is 500 ms; we allow more since peers are not clock-synchronised by us). */
export const HLC_MAX_DRIFT_MS = 60_000

/** Default listen address: loopback, an ephemeral port. */
export const DEFAULT_LISTEN = ['/ip4/127.0.0.1/tcp/0']

/** Default cluster name. */
export const DEFAULT_CLUSTER = 'default'


/**
 * libp2p's connection monitor (a ping on a new stream on every connection every 10 s, aborting the connection when
 * it fails) is off. Membership checks the links it has evidence about instead: a member declared dead, or one that
 * answered a probe only through others, gets a ping on our connection and loses it if silent (membership's
 * DEAD_PING_TIMEOUT_MS, LINK_PING_TIMEOUT_MS). The monitor's pings, taken with the 5 s minimum timeout on a busy
 * machine, aborted every connection of a slow peer at once: at 32 peer processes on 2 cores, healthy peers were
 * declared dead in 3 of 6 runs with it (every 30 s) and in none of 5 without it, and an idle peer used 3.0-3.4% of a
 * core with it against 2.0% without (2026-12-06).
 */
export const CONNECTION_MONITOR = false
