/** One cluster size of the real-process scale run (`docs/scale-real.json`). */
export interface RealResult {
  n: number
  /** members of the cluster: the N peer processes, the client and the observers */
  clusterSize: number
  startSeconds: number
  /** join: ms from spawning a new peer process until every observer had it alive (each repeat) */
  joinFromSpawnMs: number[]
  /** join: ms from the new peer's `listening` line (createNode resolved) until every observer had it */
  joinFromListeningMs: number[]
  /** kill: ms from SIGKILL to the first suspicion at any observer (each repeat) */
  firstSuspectMs: number[]
  /** kill: ms from SIGKILL until every observer had the peer dead (each repeat) */
  deadEverywhereMs: number[]
  /** membership-topic payload bytes received per second by one observer, divided by the members publishing */
  gossipPayloadBytesPerPeerPerSec: number
  /** membership-topic messages per second received by one observer */
  gossipMessagesPerSec: number
  /** median over peer processes of bytes written per second, RPC traffic paused (membership + gossipsub + identify) */
  wireWriteBytesPerPeerPerSecIdle: number
  wireReadBytesPerPeerPerSecIdle: number
  /** the same with the RPC traffic on */
  wireWriteBytesPerPeerPerSecTraffic: number
  /** median over peer processes of CPU used, % of one core, RPC traffic paused (membership, gossipsub, timers) */
  cpuPercentPerPeerIdle?: number
  /** the same with the RPC traffic on */
  cpuPercentPerPeerTraffic?: number
  /** median over peer processes of resident memory at the end of the idle window, MB (`VmRSS`; no forced GC) */
  rssMBPerPeerIdle?: number
  /** the largest of them, MB */
  rssMaxMBPerPeerIdle?: number
  /** median of their anonymous resident memory (heap, malloc: RSS less the node binary and other mapped files), MB */
  anonymousMBPerPeerIdle?: number
  /** suspect events about peers that were never killed, over the whole run of this N (mean per observer) */
  falseSuspicions: number
  /** dead events about peers that were never killed (mean per observer) */
  falseDeaths: number
  /** set when the observers did not see every peer alive before the measurements started */
  convergeNote?: string
  calls: { ok: number, failed: number, p50Ms: number, p99Ms: number, perSecond: number }
  loadavg1: number
}
