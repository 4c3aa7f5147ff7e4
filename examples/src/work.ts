/**
 * A CPU-bound example service for the autoscaling demo: each call burns a fixed amount of CPU (PBKDF2 rounds),
 * so a peer's load grows with the calls it serves.
 */
import { pbkdf2Sync } from 'node:crypto'

/** PBKDF2 iterations per call: about 4 ms of one core here. */
export const WORK_ITERATIONS = 20_000

export const work = {
  digest (input: string): string {
    return pbkdf2Sync(String(input), 'peercall', WORK_ITERATIONS, 16, 'sha256').toString('hex')
  }
}
