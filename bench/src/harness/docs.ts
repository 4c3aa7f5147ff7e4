import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BenchOptions } from './args.js'
import type { Machine } from './machine.js'
import type { Ratio, Row, RunRecord } from './summary.js'
import { ratiosTable, resultsTable, verdict } from './format.js'
import { IN_FLIGHT_CONCURRENT } from './defaults.js'

export interface Report {
  machine: Machine
  /** 1, 5, 15 min load averages when the run started. */
  loadAtStart: number[]
  options: BenchOptions
  command: string
  rows: Row[]
  ratios: Ratio[]
  records: RunRecord[]
}

const method = (v: Record<string, string>): string => `## What is measured

Every system serves \`Calculator.add(a, b)\` (or its echo equivalent) from a **server child process**; a
**client child process** connects once and drives it. The orchestrator (\`bench/dist/src/run.js\`) only
spawns, waits and collects, so the two busy processes are server and client, on 127.0.0.1, on the same
machine. The client is a closed loop: N workers each issue their next call when the previous returns, N = 1
(sequential) and N = ${IN_FLIGHT_CONCURRENT}. Each mode has an unmeasured warm-up, then a measured phase of fixed duration;
latency is recorded per call in an HDR histogram (\`perf_hooks.createHistogram\`, ns, 3 significant figures),
so at ${IN_FLIGHT_CONCURRENT} in flight it includes queueing. "CPU µs/call" is the CPU time (user + system, all threads)
the client process and the server process spent during the measured phase, divided by the calls completed
(\`process.cpuUsage\` and \`/proc/<pid>/stat\`): the cost of a call, which contention for the cores disturbs less
than throughput. Each configuration runs the given number of times,
interleaved (run 1 of every system, then run 2, ...), and the tables give the median of the runs per figure.

| system | how |
| --- | --- |
| peercall | two \`createNode\` peers; the server registers Calculator, the client calls \`call('Calculator', 'add', [1, 2], { peer, timeoutMs: 1000 })\` pinned to the server, over peercall's one long-lived \`/peercall/rpc/1.0.0\` stream. |
| bare libp2p stream | libp2p ${v.libp2p ?? ''} with tcp + noise + yamux only; one long-lived stream; the server pipes the stream into itself (echo). The client sends peercall's request frame (u32 length + msgpackr body, coalesced per tick) and decodes the echoed frame to match it by id: a ping-pong when sequential, a pipeline at ${IN_FLIGHT_CONCURRENT} in flight. No handler, no service lookup, no response encoding: the floor of any RPC on this stack. |
| raw node:net RPC | \`node:net\` socket, no encryption or multiplexing, the same frames and msgpackr codec as peercall, writes coalesced per tick, \`setNoDelay\`: the physical limit of this machine for the same work. |
| grpc-js unary | \`@grpc/grpc-js\` ${v['@grpc/grpc-js'] ?? ''}, service defined in code with \`makeGenericClientConstructor\`, msgpackr serialisers (no .proto), insecure HTTP/2 on 127.0.0.1, one channel. |
| Moleculer | moleculer ${v.moleculer ?? ''}, one ServiceBroker per process, TCP transporter with UDP discovery off and the server's address given to the client (\`urls\`), JSON serialiser (the default), listeners pinned to 127.0.0.1. |
`

const CAVEATS = `## Reading the figures

- Client and server share the machine's cores with each other (and with whatever else runs on it): on a
  2-core machine, throughput at ${IN_FLIGHT_CONCURRENT} in flight is CPU-bound in both processes, so absolute figures say
  more about this machine than about the systems; the ratios, taken in one run, are the point.
- p99 at ${IN_FLIGHT_CONCURRENT} in flight is dominated by garbage-collection pauses and scheduling of the two processes.
- The verdict is taken on the ratio of the medians in the results table; the ratios within each run (the systems
  of one run are measured back to back) show the spread, and a verdict near its threshold should be read with them.
- Sequential latency on this VM depends on how the two processes are scheduled on the cores: the same system's p50
  can differ by 2x between invocations (raw \`node:net\` measured 20 µs in one and 57 µs in another), which is why the
  ratios are taken within one run, with all systems interleaved.
`

/** A few sentences computed from the rows, so that they stay true when the file is regenerated. */
function observations (rows: Row[]): string {
  const get = (t: string, n: number): Row | undefined => rows.find((x) => x.target === t && x.inFlight === n)
  const cpu = (x: Row | undefined): number | undefined => x === undefined || x.serverCpuUs === null ? undefined : x.clientCpuUs + x.serverCpuUs
  const f = (n: number | undefined): string => n === undefined ? '—' : n >= 100 ? String(Math.round(n)) : n.toFixed(1)
  const out: string[] = []
  for (const n of [IN_FLIGHT_CONCURRENT, 1]) {
    const pc = cpu(get('peercall', n)); const lp = cpu(get('libp2p-echo', n)); const net = cpu(get('net', n)); const g = cpu(get('grpc', n)); const mol = cpu(get('moleculer', n))
    if (pc === undefined) continue
    out.push(`- ${n === 1 ? 'Sequential' : `At ${n} in flight`}, a peercall call costs ${f(pc)} µs of CPU (client + server), the bare libp2p ` +
      `stream ${f(lp)} µs, raw node:net ${f(net)} µs, grpc-js ${f(g)} µs, Moleculer ${f(mol)} µs` +
      (lp !== undefined ? `; the bare libp2p stream carrying the same frames costs ${Math.round((lp / pc) * 100)}% of peercall's figure, the rest is peercall's own layer (dispatch, deadlines, context, HLC, codec on the server).` : '.'))
  }
  if (out.length > 0) {
    out.push('- Per-call CPU falls by one to two orders of magnitude from 1 to 64 in flight because writes are coalesced: one encrypted, muxed chunk and one syscall carry many frames.')
    out.push('- Sequential calls on loopback are CPU-bound, not network-bound: the round trip is the client\'s and the server\'s CPU time for one message each, so the p50 ratio against the bare stream mostly compares per-message CPU.')
  }
  return out.length === 0 ? '' : `## Observations\n\n${out.join('\n')}\n`
}

export function renderMarkdown (r: Report): string {
  const m = r.machine
  const failed = r.records.filter((x) => x.error !== undefined)
  return `# Benchmarks

Generated by \`${r.command}\` (\`bench/src/run.ts\`); do not edit by hand, re-run instead.
Raw figures, per run: [benchmarks.json](benchmarks.json).

## Machine

| | |
| --- | --- |
| date | ${m.date} |
| nproc | ${m.nproc} |
| CPU | ${m.cpu} |
| memory | ${m.memGiB} GiB |
| OS | ${m.os} |
| Node | ${m.node} |
${m.git !== undefined ? `| checkout | ${m.git} |\n` : ''}| load average (1, 5, 15 min) | ${r.loadAtStart.join(', ')} at the start, ${m.loadAvg.join(', ')} at the end (${m.nproc} cores; above ${m.nproc} other work competed) |
| packages | ${Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(', ')} |
| parameters | ${r.options.runs} run(s) per configuration, warm-up ${r.options.warmupMs} ms, measured ${r.options.durationMs} ms per mode |

## Results (medians of ${r.options.runs} run(s))

${resultsTable(r.rows)}

## Targets (issue 2)

${ratiosTable(r.ratios)}

Summary: ${r.ratios.map((x) => `${verdict(x)} ${x.name} (${x.value === null ? 'n/a' : x.value.toFixed(2)}, goal ${x.goal})`).join('; ')}.

${observations(r.rows)}
${failed.length > 0 ? `\nFailed runs: ${failed.map((f) => `run ${f.run} ${f.target}: ${f.error?.split('\n')[0] ?? ''}`).join('; ')}\n` : ''}
${method(m.versions)}
${CAVEATS}
## How to reproduce

\`\`\`sh
npm ci
npm run bench                      # build, then 3 interleaved runs of every system; rewrites this file (~4 min)
node bench/dist/src/run.js --quick # 1 short run, prints the table, writes nothing
node bench/dist/src/run.js --only peercall,net --runs 5 --duration 5000 --no-write
BENCH_VERBOSE=1 node bench/dist/src/run.js --quick   # also shows the children's stderr
node --cpu-prof --cpu-prof-dir=/tmp/prof bench/dist/src/run.js --only peercall --runs 1 --no-write
                                   # Node flags pass through to the server and client children
node bench/dist/src/run.js --pin   # server on CPU 0, client on CPU 1 (taskset)
node bench/dist/src/render.js      # re-render this file from benchmarks.json without measuring
npm run bench:codec -w @peercall/bench               # the codec measurement behind docs/codec.md
\`\`\`
`
}

export function writeDocs (root: string, r: Report): string[] {
  const md = join(root, 'docs', 'benchmarks.md')
  const json = join(root, 'docs', 'benchmarks.json')
  writeFileSync(md, renderMarkdown(r))
  writeFileSync(json, JSON.stringify({
    generatedBy: r.command,
    machine: r.machine,
    loadAtStart: r.loadAtStart,
    options: r.options,
    results: r.rows,
    ratios: r.ratios,
    runs: r.records
  }, null, 2) + '\n')
  return [md, json]
}
