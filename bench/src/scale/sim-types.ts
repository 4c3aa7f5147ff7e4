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
  messagesPerPeerPerPeriodLoss?: number
  messagePeriods?: number
  firstSuspicionT?: number[]
  deadEverywhereT?: number[]
  swimFirstDetectionT: number
  memberlistSuspicionMinT: number
  memberlistSuspicionMaxT: number
  expectedDeadMinT: number
  expectedDeadMaxT: number
  fpPeriods?: number
  falseDeaths?: number
  falseSuspicionsOfHealthy?: number
  accusations?: number
  seconds: number
  skipped?: string
}
