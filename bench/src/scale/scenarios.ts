/**
 * The membership package's simulator experiments, through its `@peercall/membership/sim` export.
 */
import { detection, dissemination, falsePositives, messagesPerPeriod } from '@peercall/membership/sim'

export type { DetectionResult, DisseminationResult, FalsePositiveResult, MessagesResult } from '@peercall/membership/sim'

export const scenarios = { dissemination, messagesPerPeriod, detection, falsePositives }
export type Scenarios = typeof scenarios

/** Kept async for the callers: the experiments are loaded with the module. */
export async function loadScenarios (): Promise<Scenarios> {
  return scenarios
}
