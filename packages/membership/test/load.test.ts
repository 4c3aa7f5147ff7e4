import test from 'ava'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { LoadSampler } from '../src/load.js'

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
function busy (ms: number): void { const end = performance.now() + ms; while (performance.now() < end) { /* block the event loop */ } }

test('eventLoopDelayMs is the delay of the last period only', async t => {
  const s = new LoadSampler()
  try {
    await sleep(50)
    s.sample()
    busy(400)
    await sleep(30)
    const blocked = s.sample().eventLoopDelayMs
    t.true(blocked >= 100, `a period with a 400 ms block reports ${blocked} ms`)
    await sleep(300)
    const after = s.sample().eventLoopDelayMs
    t.true(after < blocked / 2, `the next period (no block) reports ${after} ms, the blocked one ${blocked} ms`)
    t.is(s.sample().eventLoopDelayMs, 0, 'a period without a tick of the histogram reports 0')
  } finally {
    s.stop()
  }
})

test('a sampler keeps little resident memory: its histogram is never cleared', t => {
  // 20 samplers sampled 3 times each in a fresh process; clearing a histogram touches all of its 0.37 MB
  const load = fileURLToPath(new URL('../src/load.js', import.meta.url))
  const script = `
    const { LoadSampler } = await import(${JSON.stringify(load)})
    const sleep = ms => new Promise(r => setTimeout(r, ms))
    await sleep(100)
    const before = process.memoryUsage.rss()
    const all = Array.from({ length: 20 }, () => new LoadSampler())
    for (let i = 0; i < 3; i++) { await sleep(50); for (const s of all) s.sample() }
    console.log((process.memoryUsage.rss() - before) / 20 / 1e6)
    for (const s of all) s.stop()`
  const perSampler = Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 }).trim())
  t.true(perSampler < 0.15, `${perSampler.toFixed(3)} MB resident per sampler`)
})
