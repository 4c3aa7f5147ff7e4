/**
 * The dashboard end to end in headless Chromium (Debian's `chromium`, driven by playwright-core): three peers
 * (this process serves the page; two `peercall node` child processes), the page shows three members and the
 * call traffic; one child is killed (SIGKILL, no leave) and the page shows it suspect, then dead.
 *
 * Skips, saying so, when /usr/bin/chromium is missing (.ci/run installs it). PEERCALL_DASHBOARD_SCREENSHOT=<png>
 * also saves a screenshot there (docs/dashboard.png is made so).
 */
import { existsSync } from 'node:fs'
import test from 'ava'
import { chromium } from 'playwright-core'
import { createNode } from '../src/index.js'
import { CALCULATOR_MODULE, killPeer, startCliPeer } from './helpers/cli.js'
import { waitFor } from './helpers/wait.js'
import type { CliPeer } from './helpers/cli.js'
import type { Browser } from 'playwright-core'

/** The page's document, inside functions that run in the browser (this package compiles without the DOM lib). */
declare const document: any

const CHROMIUM = process.env.PEERCALL_CHROMIUM ?? '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const available = existsSync(CHROMIUM)
if (!available) console.log(`dashboard browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does)`)
const browserTest = available ? test : test.skip

browserTest('the dashboard in Chromium shows three members, traffic, and a killed member turning suspect then dead; names are shown as text', async t => {
  t.timeout(120_000)
  const children: CliPeer[] = []
  let browser: Browser | undefined
  let traffic = true
  const d = await createNode({ membership: { profile: 'fast' }, http: { port: 0 } })
  t.teardown(async () => {
    traffic = false
    await browser?.close().catch(() => {})
    await Promise.all(children.map(async c => { await killPeer(c) }))
    await d.stop().catch(() => {})
  })
  d.register('Calculator', { add: (a: number, b: number) => a + b, divide: (a: number, b: number) => { if (b === 0) throw new RangeError('division by zero'); return a / b } }, { idempotent: true })
  for (let i = 0; i < 2; i++) children.push(await startCliPeer(['--profile', 'fast', '--service', CALCULATOR_MODULE, '--bootstrap', d.multiaddrs[0]]))
  await waitFor(() => d.members().filter(m => m.state === 'alive' && m.services.includes('Calculator')).length === 3, 20_000, 'three hosts')

  // traffic from the dashboard's peer: additions spread by p2c, and a division by zero now and then
  const loop = (async () => {
    for (let i = 0; traffic && i < 100_000; i++) {
      await d.call('Calculator', i % 25 === 0 ? 'divide' : 'add', [i, i % 25 === 0 ? 0 : 1], { timeoutMs: 2000 }).catch(() => {})
      await new Promise(resolve => setTimeout(resolve, 15))
    }
  })()

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true })
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
  const errors: string[] = []
  page.on('pageerror', err => { errors.push(err.message) })
  await page.goto(d.httpUrl + '/')
  await page.waitForSelector('#status.live', { timeout: 15_000 })
  await page.waitForFunction(() => document.querySelectorAll('#members tbody tr[data-state="alive"]').length === 3, undefined, { timeout: 20_000 })
  const ids = await page.$$eval('#members tbody tr', rows => rows.map(r => r.getAttribute('data-peer')))
  t.deepEqual([...ids].sort(), [d.peerId, ...children.map(c => c.peerId)].sort())
  t.is(await page.$$eval('#rings .ring[data-service="Calculator"] .legend div', els => els.length), 3, 'the ring of Calculator has three owners')
  t.is(await page.$$eval('#load .loadrow', els => els.length), 3, 'a load bar per live peer')
  // the members table fits its card: long service lists wrap instead of pushing the table past the card's edge
  d.register('ReplicatedKeyValueStore', { get: () => 1 })
  d.register('AnotherServiceWithALongName', { get: () => 1 })
  await page.waitForFunction(id => (document.querySelector(`#members tbody tr[data-peer="${id}"]`)?.textContent ?? '').includes('AnotherServiceWithALongName'), d.peerId, { timeout: 20_000 })
  const fit = await page.$eval('#members-wrap', el => ({ card: el.parentElement.clientWidth, cardScroll: el.parentElement.scrollWidth, wrap: el.clientWidth, table: el.scrollWidth }))
  t.true(fit.cardScroll <= fit.card + 1 && fit.table <= fit.wrap + 1, `members table within its card: ${JSON.stringify(fit)}`)
  await page.waitForFunction(() => Number((document.getElementById('k-calls-total')?.textContent ?? '0').split(' ')[0]) > 20, undefined, { timeout: 20_000 })
  t.true(await page.$$eval('#codes tbody tr', rows => rows.some(r => r.textContent?.includes('REMOTE'))), 'error codes are listed')

  // kill one child abruptly: no leave is announced, failure detection must find it
  const victim = children[1]
  await killPeer(victim, 'SIGKILL')
  const row = `#members tbody tr[data-peer="${victim.peerId}"]`
  await page.waitForFunction(sel => ['suspect', 'dead'].includes(document.querySelector(sel)?.getAttribute('data-state') ?? ''), row, { timeout: 20_000 })
  t.pass('the killed member is shown suspect or dead')
  await page.waitForFunction(sel => document.querySelector(sel)?.getAttribute('data-state') === 'dead', row, { timeout: 30_000 })
  t.is(await page.$eval(`${row} .badge`, el => el.textContent), 'dead')
  const events = await page.$$eval('#events div', els => els.map(e => e.getAttribute('data-type')))
  t.true(events.includes('dead'), `events shown: ${events.join(', ')}`)
  t.is(await page.$$eval('#rings .ring[data-service="Calculator"] .legend div', els => els.length), 2, 'the ring drops the dead member')

  const shot = process.env.PEERCALL_DASHBOARD_SCREENSHOT
  if (shot !== undefined && shot !== '') {
    await new Promise(resolve => setTimeout(resolve, 3000)) // a few more seconds of rates for the sparkline
    await page.screenshot({ path: shot, fullPage: true })
    t.log(`screenshot saved to ${shot}`)
  }
  // names come from other peers' gossip: the page shows them as text, never as markup
  const hostile = '<img src=x onerror="window.__pwned=1">'
  d.register(hostile, { ping: () => 'pong' })
  await page.waitForFunction(() => Array.from(document.querySelectorAll('#rings .ring h3')).some((h: any) => h.textContent.startsWith('<img')), undefined, { timeout: 20_000 })
  t.is(await page.evaluate(() => (globalThis as any).__pwned), undefined, 'no markup injected')
  t.is(await page.$$eval('#rings img, #members img', els => els.length), 0)
  t.deepEqual(errors, [], 'no script errors in the page')
  traffic = false
  await loop
})
