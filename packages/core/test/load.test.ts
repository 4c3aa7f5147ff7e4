/**
 * The load meter: every call counted in flight, one in SERVED_SAMPLE_EVERY timed for the served-latency EWMA.
 */
import test from 'ava'
import { LoadMeter, SERVED_LATENCY_ALPHA, SERVED_SAMPLE_EVERY } from '../src/server/load.js'

/** Runs `fn` with performance.now reading `clock.t`. */
function withClock (clock: { t: number }, fn: () => void): void {
  const real = performance.now
  performance.now = () => clock.t
  try {
    fn()
  } finally {
    performance.now = real
  }
}

test('in flight counts every call; the latency is that of the timed calls, one in SERVED_SAMPLE_EVERY', t => {
  const clock = { t: 1000 }
  const meter = new LoadMeter()
  let reads = 0
  withClock({ get t () { reads++; return clock.t } }, () => {
    const started = Array.from({ length: 3 * SERVED_SAMPLE_EVERY }, () => meter.start())
    t.is(meter.inflight, 3 * SERVED_SAMPLE_EVERY)
    clock.t += 4
    for (const s of started) meter.end(s)
  })
  t.is(meter.inflight, 0)
  t.is(meter.served, 3 * SERVED_SAMPLE_EVERY)
  t.is(reads, 2 * 3, 'two clock reads per timed call')
  t.is(meter.latencyMs, 4)
})

test('a timed call weighs as the calls it stands for: the EWMA still spans about 1 / alpha calls', t => {
  const clock = { t: 0 }
  const meter = new LoadMeter()
  const call = (ms: number): void => {
    const s = meter.start()
    clock.t += ms
    meter.end(s)
  }
  withClock(clock, () => {
    for (let i = 0; i < SERVED_SAMPLE_EVERY; i++) call(10) // the first timed call sets the average
    t.is(meter.latencyMs, 10)
    for (let i = 0; i < SERVED_SAMPLE_EVERY; i++) call(2)
  })
  // one timed call of 2 ms, for SERVED_SAMPLE_EVERY calls: as many EWMA steps of weight alpha
  const expected = 2 + (10 - 2) * (1 - SERVED_LATENCY_ALPHA) ** SERVED_SAMPLE_EVERY
  t.true(Math.abs(meter.latencyMs - expected) < 1e-9, `${meter.latencyMs} against ${expected}`)
})
