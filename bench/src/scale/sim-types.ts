/** One cluster size of the simulator scale run (`docs/scale-sim.json`). */
export interface SimRow {
  n: number
  roundsMax: number
  roundsMean: number
  roundsMaxLoss: number
  reachedLoss: number
  floodRoundsExpected: number
  timeToAllMs: number
  messagesPerPeerPerPeriod?: number
  /** 10% loss, lost for good (datagram), up to --fp-max */
  messagesPerPeerPerPeriodLoss?: number
  /** 10% loss as TCP retransmissions (stream: peercall's transport) */
  messagesPerPeerPerPeriodStreamLoss?: number
  messagePeriods?: number
  firstSuspicionT?: number[]
  deadEverywhereT?: number[]
  swimFirstDetectionT: number
  memberlistSuspicionMinT: number
  memberlistSuspicionMaxT: number
  expectedDeadMinT: number
  expectedDeadMaxT: number
  fpPeriods?: number
  /** how loss was modelled in the false-positive run */
  fpTransport?: 'datagram' | 'stream'
  falseDeaths?: number
  falseSuspicionsOfHealthy?: number
  accusations?: number
  seconds: number
  skipped?: string
}
