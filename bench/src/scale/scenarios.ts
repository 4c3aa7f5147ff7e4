/**
 * The membership package's simulator experiments (`packages/membership/src/sim/scenarios.ts`), loaded from its
 * build output: the package exports only its public API, so the file is resolved next to it.
 */
export interface DisseminationResult { n: number, maxRounds: number, meanRounds: number, maxPeriods: number, reached: number }
export interface MessagesResult { n: number, perPeerPerPeriod: number }
export interface DetectionResult { n: number, firstSuspicionMs: number, deadEverywhereMs: number }
export interface FalsePositiveResult {
  n: number
  periods: number
  lifeguard: boolean
  falseSuspicionsOfHealthy: number
  suspicionsOfStalled: number
  falseDeaths: number
  stalledPeerFailedProbes: number
  accusationsByStalled: number
  accusations: number
  stallAccusations: number
}

export interface Scenarios {
  dissemination: (n: number, seed: number, publishes?: number, loss?: number) => DisseminationResult
  messagesPerPeriod: (n: number, seed: number, periods?: number, loss?: number) => MessagesResult
  detection: (n: number, seed: number) => DetectionResult
  falsePositives: (n: number, seed: number, periods: number, lifeguard: boolean, loss?: number) => FalsePositiveResult
}

export async function loadScenarios (): Promise<Scenarios> {
  const index = import.meta.resolve('@peercall/membership')
  return await import(new URL('./sim/scenarios.js', index).href) as Scenarios
}
