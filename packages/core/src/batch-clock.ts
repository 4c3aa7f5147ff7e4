/**
 * Clock readings shared by the calls of one batch, for what a call keeps track of on its way out and back: its
 * deadline, its HLC send time, the balancer's windows and its latency samples. A batch is the work queued as
 * microtasks when the clock is read: with many calls in flight, the answers read from one chunk settle dozens of
 * calls whose callers send the next ones, all in the same run of the microtask queue. One clock read costs about
 * as much as a balancer's pick (75-110 ns on a 2-core VM), and a routed call would make about ten.
 *
 * A reading is dropped by a microtask queued when it is taken, so it serves only the jobs already queued then:
 * it is as old as their work at most (about 3 µs per call answered in the batch), and never spans a wait for I/O.
 */

const resolved = Promise.resolve()
let wall = 0
let mono = 0
let wallRead = false
let monoRead = false
let armed = false

function expire (): void {
  wallRead = false
  monoRead = false
  armed = false
}

/** Date.now() as read once for this batch, ms since the epoch. */
export function batchWallNow (): number {
  if (!wallRead) {
    wall = Date.now()
    wallRead = true
    if (!armed) {
      armed = true
      void resolved.then(expire)
    }
  }
  return wall
}

/** performance.now() as read once for this batch, ms. */
export function batchMonoNow (): number {
  if (!monoRead) {
    mono = performance.now()
    monoRead = true
    if (!armed) {
      armed = true
      void resolved.then(expire)
    }
  }
  return mono
}
