/**
 * The node's HTTP server: the live dashboard (`/`, one self-contained page), its server-sent events (`/events`),
 * a JSON snapshot (`/api/state`) and Prometheus metrics (`/metrics`). Loopback by default: it has no
 * authentication, so expose it only behind something that has.
 */
import { createServer } from 'node:http'
import { logger } from '@libp2p/logger'
import { DASHBOARD_HTML } from './page.js'
import { DashboardState } from './state.js'
import { explainListenError } from '../listen-error.js'
import type { HttpOptions, ObservedNode } from '../types.js'
import type { ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

const log = logger('peercall:http')

/** Address the server binds unless told otherwise: loopback, since nothing here is authenticated. */
export const DEFAULT_HTTP_HOST = '127.0.0.1'
/** How often the page gets a fresh snapshot, ms (also the call-rate window). */
export const DASHBOARD_TICK_MS = 1000
/** Event streams open at once; more get 503 (each costs a snapshot per tick). */
export const DASHBOARD_MAX_CLIENTS = 32
/** Delay before pushing a snapshot after a membership event, ms (coalesces bursts of events). */
const EVENT_PUSH_DELAY_MS = 50

export interface HttpHandle {
  /** e.g. http://127.0.0.1:9464 */
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

export async function startHttp (node: ObservedNode, options: HttpOptions): Promise<HttpHandle> {
  const state = new DashboardState(node)
  const clients = new Set<ServerResponse>()
  let pending: ReturnType<typeof setTimeout> | undefined

  const push = (): void => {
    if (clients.size === 0) return
    const data = `event: state\ndata: ${JSON.stringify(state.snapshot())}\n\n`
    for (const res of clients) res.write(data)
  }
  state.onChange = () => {
    pending ??= setTimeout(() => { pending = undefined; push() }, EVENT_PUSH_DELAY_MS)
  }
  const ticker = setInterval(() => { state.tick(); push() }, DASHBOARD_TICK_MS)
  ticker.unref()

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(DASHBOARD_HTML)
    } else if (path === '/events') {
      if (clients.size >= DASHBOARD_MAX_CLIENTS) {
        res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' }).end('too many dashboard clients\n')
        return
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' })
      res.write(`retry: ${DASHBOARD_TICK_MS}\nevent: state\ndata: ${JSON.stringify(state.snapshot())}\n\n`)
      clients.add(res)
      req.on('close', () => { clients.delete(res) })
    } else if (path === '/api/state') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(state.snapshot()))
    } else if (path === '/metrics') {
      if (node.metrics === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('metrics are off (NodeOptions.metrics: false)\n')
        return
      }
      node.metrics.text().then(
        text => { res.writeHead(200, { 'content-type': node.metrics?.contentType ?? 'text/plain' }).end(text) },
        err => { res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`) }
      )
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
    }
  })
  server.headersTimeout = 10_000
  server.requestTimeout = 10_000

  const host = options.host ?? DEFAULT_HTTP_HOST
  await new Promise<void>((resolve, reject) => {
    const failed = (err: Error): void => { reject(explainListenError(err, 'serve the dashboard', [`${host}:${options.port}`])) }
    server.once('error', failed)
    server.listen(options.port, host, () => { server.off('error', failed); resolve() })
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  if (host !== '127.0.0.1' && host !== '::1' && host !== 'localhost') log('dashboard on %s is reachable from other machines and has no authentication', url)
  log('dashboard and /metrics on %s', url)

  let closed: Promise<void> | undefined
  return {
    url,
    port,
    close () {
      closed ??= (async () => {
        clearInterval(ticker)
        if (pending !== undefined) clearTimeout(pending)
        state.close()
        for (const res of clients) res.end()
        clients.clear()
        await new Promise<void>(resolve => { server.close(() => { resolve() }); server.closeAllConnections() })
      })()
      return closed
    }
  }
}
