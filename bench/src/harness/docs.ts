import type { BenchOptions } from './args.js'
import type { Chart } from './charts.js'
import { LARGE_PAYLOAD, MEMORY_SETTLE_MS, SMALL_PAYLOAD } from './defaults.js'
import { fmtUs, ratiosSummary, ratiosTable, resultsTables } from './format.js'
import type { Machine } from './machine.js'
import type { MemoryReport } from './memory.js'
import type { SoakReport, SoakSeriesSummary } from './soak-report.js'
import { streamsSection, type StreamsReport } from './streams-report.js'
import { pick, type Row, type RunRecord } from './summary.js'
import type { Ratio } from './targets.js'
import { sizeLabel } from '../payload.js'

export interface Report {
  machine: Machine
  /** 1, 5, 15 min load averages when the run started. */
  loadAtStart: number[]
  options: BenchOptions
  command: string
  rows: Row[]
  routed: Ratio[]
  pinned: Ratio[]
  frameworks: Ratio[]
  records: RunRecord[]
  charts: Chart[]
  memory?: MemoryReport
  soak?: SoakReport
  streams?: StreamsReport
}

const method = (v: Record<string, string>, o: BenchOptions): string => `## What is measured

Every system serves an **echo** from **server child processes**: the request carries the payload, an ASCII
string of exactly ${o.payloads.map(sizeLabel).join(', ')} (one byte per character; msgpackr, JSON and every framing
here carry strings natively), and the answer returns it. A **client child process** connects to every server
once and drives them. The orchestrator (\`bench/dist/src/run.js\`) only spawns, waits and collects, so the busy
processes are the servers and the client, on 127.0.0.1, on the same machine. The client is a closed loop: N
workers each issue their next call when the previous returns, N = ${o.levels.join(', ')}. Each phase has an
unmeasured warm-up (${o.warmupMs} ms), then a measured phase of ${o.durationMs} ms, and before its first phase each fresh client process
calls sequentially, unmeasured, for ${o.processWarmupMs ?? 0} ms (the JIT's ramp, which \`bench/dist/src/ramp/main.js\` measures on its own); latency is recorded per call in an HDR
histogram (\`perf_hooks.createHistogram\`, ns, 3 significant figures), so with many calls in flight it includes
queueing. MB/s is the payload carried each way: calls/s x payload bytes / 10^6. "CPU µs/call" is the CPU time
(user + system, all threads) the client process and the server processes (summed) spent during the measured
phase, divided by the calls completed (\`process.cpuUsage\` and \`/proc/<pid>/stat\`): the cost of a call, which
contention for the cores disturbs less than throughput. With **4 servers**, four server processes serve and the
client spreads its calls over them, each system by its own means (below). Each configuration runs ${o.runs} time(s),
interleaved (run 1 of every system, then run 2, ...), and the tables give the median of the runs per figure.

**Encryption.** peercall and the bare libp2p stream run over noise (encrypted and authenticated, libp2p's default);
@hyperswarm/rpc runs over Noise too; raw node:net, grpc-js (insecure credentials, plain HTTP/2) and Moleculer's TCP
transporter are **unencrypted**.

| system | how |
| --- | --- |
| peercall routed | \`createNode\` peers; each server registers \`Echo.echo\` (not declared idempotent, so no hedges or retries, as in the other systems); servers 2-4 join server 1's cluster. The client bootstraps from every server, waits until its membership view (\`node.members()\`) shows every server alive and hosting Echo, then calls \`call('Echo', 'echo', [payload], { timeoutMs: 5000 })\` **without \`peer\`**: membership and the balancer (power-of-two-choices on peak-EWMA latency x in-flight, the default) choose the peer of every call, with 1 server too. |
| peercall pinned | 1 server only: the same peers, \`call(..., { peer, timeoutMs: 5000 })\` pinned to the server, no routing. |
| bare libp2p stream | libp2p ${v.libp2p ?? ''} with tcp + noise + yamux only; one long-lived stream per server; the server pipes the stream into itself (echo). The client sends peercall's request frame (u32 length + msgpackr body, coalesced per tick), round-robin over the servers' streams, and decodes the echoed frame to match it by id: a ping-pong when sequential, a pipeline otherwise. No handler, no service lookup, no response encoding: the floor of any RPC on this stack. |
| raw node:net RPC | \`node:net\`, one socket per server, calls round-robin; no encryption or multiplexing, the same frames and msgpackr codec as peercall, writes coalesced per tick, \`setNoDelay\`: the physical limit of this machine for the same work. |
| grpc-js unary | \`@grpc/grpc-js\` ${v['@grpc/grpc-js'] ?? ''}, service defined in code with \`makeGenericClientConstructor\`, msgpackr serialisers (no .proto), insecure HTTP/2 on 127.0.0.1, one channel per server, calls round-robin. |
| Moleculer 0.14, 0.15 | moleculer ${v.moleculer ?? ''} and ${v['moleculer-0.15'] ?? ''} (installed as \`moleculer-0.15\`), the same set-up for both: one ServiceBroker per process, TCP transporter with UDP discovery off and every server's address given to the client (\`urls\`), JSON serialiser (the default), listeners pinned to 127.0.0.1; the client waits until it sees every server's \`echo.echo\` endpoint, and its broker balances the calls (default round-robin strategy). |
| @hyperswarm/rpc | @hyperswarm/rpc ${v['@hyperswarm/rpc'] ?? ''} on hyperdht ${v.hyperdht ?? ''}: Protomux RPC over a Noise secret stream over UDX (reliable streams on UDP), the peer-to-peer RPC closest to peercall. No public DHT: the first server starts a local testnet of 3 DHT nodes (\`@hyperswarm/testnet\`), every DHT is bound to 127.0.0.1 and bootstraps from it; the client connects to each server by its public key, one connection per server, calls round-robin. The handler echoes the bytes (UTF-8 payload, no JSON). Encrypted, like peercall. |
`

const CAVEATS = `## Reading the figures

- The client and the servers share the machine's 2 cores with each other (and with whatever else runs on it):
  throughput with many calls in flight is CPU-bound in every process, so absolute figures say more about this
  machine than about the systems; the ratios, taken in one run, are the point. With 4 servers there are 5 busy
  processes on 2 cores: the 4-server tables show what each system's spreading costs, not more capacity.
- The machine is shared: the load average row above says how much other work ran; a run with a core taken by
  other work gives lower absolute figures (compare with an earlier run in the git history) and noisier ratios.
- p99 with many calls in flight is dominated by garbage-collection pauses and scheduling of the processes.
- The verdict is taken on the ratio of the medians in the results tables; the ratios within each run (the systems
  of one run are measured back to back) show the spread, and a verdict near its threshold should be read with them.
- Sequential latency on this VM depends on how the processes are scheduled on the cores: the same system's p50
  can differ by 2x between invocations, which is why the ratios are taken within one run, all systems interleaved.
`

/** A few sentences computed from the rows, so that they stay true when the file is regenerated. */
function observations (rows: Row[]): string {
  const get = (t: string, n: number, b = SMALL_PAYLOAD, s = 1): Row | undefined => pick(rows, { target: t, servers: s, payloadBytes: b, inFlight: n })
  const cpu = (x: Row | undefined): number | undefined => x === undefined || x.serverCpuUs === null ? undefined : x.clientCpuUs + x.serverCpuUs
  const f = (n: number | undefined): string => n === undefined ? '—' : fmtUs(n)
  const out: string[] = []
  for (const n of [64, 1]) {
    const pc = cpu(get('peercall', n)); const pin = cpu(get('peercall-pinned', n)); const lp = cpu(get('libp2p-echo', n)); const net = cpu(get('net', n)); const g = cpu(get('grpc', n)); const mol = cpu(get('moleculer', n))
    if (pc === undefined) continue
    out.push(`- ${n === 1 ? 'Sequential' : `At ${n} in flight`} (${SMALL_PAYLOAD} B, 1 server), a routed peercall call costs ${f(pc)} µs of CPU (client + server), pinned ${f(pin)} µs, the bare libp2p ` +
      `stream ${f(lp)} µs, raw node:net ${f(net)} µs, grpc-js ${f(g)} µs, Moleculer ${f(mol)} µs.`)
  }
  const r1 = get('peercall', 64); const r4 = get('peercall', 64, SMALL_PAYLOAD, 4); const p1 = get('peercall-pinned', 64)
  if (r1 !== undefined && p1 !== undefined) out.push(`- Routing (membership lookup + balancer choice per call) against pinning, 64 in flight, ${SMALL_PAYLOAD} B, 1 server: ${Math.round(r1.callsPerSec).toLocaleString('en-US')} against ${Math.round(p1.callsPerSec).toLocaleString('en-US')} calls/s (${(r1.callsPerSec / p1.callsPerSec).toFixed(2)}x).`)
  if (r1 !== undefined && r4 !== undefined) {
    const lp4 = get('libp2p-echo', 64, SMALL_PAYLOAD, 4); const lp1 = get('libp2p-echo', 64)
    out.push(`- peercall routed over 4 servers at 64 in flight: ${Math.round(r4.callsPerSec).toLocaleString('en-US')} calls/s against ${Math.round(r1.callsPerSec).toLocaleString('en-US')} with 1, ` +
      `at ${f(cpu(r4))} µs of CPU per call (client + the 4 servers) against ${f(cpu(r1))} µs` +
      (lp4 !== undefined && lp1 !== undefined ? `; the bare libp2p stream goes from ${f(cpu(lp1))} to ${f(cpu(lp4))} µs per call. With 5 busy processes on 2 cores each connection carries fewer calls per wake-up, so every system pays more per call, but peercall's routed path pays far more than the stack under it: a bottleneck of the routed path with several hosts, left to packages/core.` : '.'))
  }
  const big = get('peercall', 64, LARGE_PAYLOAD); const bigLp = get('libp2p-echo', 64, LARGE_PAYLOAD); const bigNet = get('net', 64, LARGE_PAYLOAD)
  if (big !== undefined && bigLp !== undefined) out.push(`- ${sizeLabel(LARGE_PAYLOAD)} at 64 in flight: peercall routed ${big.mbPerSec.toFixed(0)} MB/s each way, the bare libp2p stream ${bigLp.mbPerSec.toFixed(0)} MB/s${bigNet !== undefined ? `, raw node:net ${bigNet.mbPerSec.toFixed(0)} MB/s` : ''}; the bare stream echoes the bytes without decoding or re-encoding the payload on the server.`)
  return out.length === 0 ? '' : `## Observations\n\n${out.join('\n')}\n`
}

function memorySection (m: MemoryReport | undefined, charts: Chart[]): string {
  if (m === undefined) return '## Memory\n\nNot measured yet: `npm run bench:memory`.\n'
  const chart = charts.find((c) => c.file.endsWith('memory-per-peer.svg'))
  return `## Memory

One peercall peer (\`createNode\` serving Echo, membership LAN profile, nothing else), run with \`--expose-gc\`;
each figure is the median of a few samples taken after a forced full GC (\`gc()\` twice), once membership shows the
step's peers alive and ${MEMORY_SETTLE_MS / 1000} s have passed. The other peers run in helper processes (4 peers each), join
through the measured peer and call its Echo once, so each has an RPC stream to it. Measured ${m.date}, Node ${m.node}.

| other peers connected | members alive seen | RPC peers | RSS (MB) | heapUsed (MB) | heapTotal (MB) | external (MB) |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${m.steps.map((s) => `| ${s.peers} | ${s.membersAlive} | ${s.rpcPeers} | ${s.rssMB.toFixed(1)} | ${s.heapUsedMB.toFixed(1)} | ${s.heapTotalMB.toFixed(1)} | ${s.externalMB.toFixed(1)} |`).join('\n')}

- Idle peer (0 peers): **RSS ${m.idle.rssMB.toFixed(1)} MB, heapUsed ${m.idle.heapUsedMB.toFixed(1)} MB**.
- Per connected peer (least-squares slope over the steps): **RSS ${m.slope.rssMBPerPeer.toFixed(2)} MB, heapUsed ${m.slope.heapUsedMBPerPeer.toFixed(2)} MB** per peer.
- RSS includes memory the allocator keeps after GC, so its slope is noisier than heapUsed's.
${m.steps.filter((s) => s.membersAlive < s.peers || s.rpcPeers < s.peers).map((s) => `- With ${s.peers} peers the measured peer saw only ${s.membersAlive} of them alive and had RPC streams with ${s.rpcPeers} when sampled (all ${s.peers} were alive before the settling time): membership suspected some peers and RPC streams closed during the settling time (cause not investigated here; the 2 cores were contended), so that step undercounts what a peer holds per connected peer.\n`).join('')}
${chart !== undefined ? `\n![${chart.title}](${chart.file})\n` : ''}`
}

function soakLine (who: string, s: SoakSeriesSummary): string {
  return `| ${who} | ${s.first.rssMB.toFixed(1)} | ${s.last.rssMB.toFixed(1)} | ${s.max.rssMB.toFixed(1)} | ${s.slopePerMin.rssMB.toFixed(3)} | ${s.first.heapUsedMB.toFixed(1)} | ${s.last.heapUsedMB.toFixed(1)} | ${s.max.heapUsedMB.toFixed(1)} | ${s.slopePerMin.heapUsedMB.toFixed(3)} |`
}

function soakSection (s: SoakReport | undefined, charts: Chart[]): string {
  if (s === undefined) return '## Soak\n\nNot run yet: `npm run bench:soak` (10 minutes; `--minutes N`).\n'
  const chart = charts.find((c) => c.file.endsWith('soak-memory.svg'))
  return `## Soak

\`${s.generatedBy}\` (${s.date}, Node ${s.node}${s.git !== undefined ? `, checkout ${s.git}` : ''}): ${s.minutes} min of steady routed
peercall load, ${s.inFlight} calls of ${sizeLabel(s.payloadBytes)} in flight across ${s.servers} serving peers; the client and server 0
(both \`--expose-gc\`) sample RSS and heapUsed after a forced GC every ${s.sampleMs / 1000} s. Slopes are least-squares
fits over the samples after a ${s.warmupMs / 1000} s warm-up. A report, asserted nowhere; raw samples in [soak.json](soak.json).

**${s.calls.toLocaleString('en-US')} calls (${s.callsPerSec.toLocaleString('en-US')}/s), ${s.errors} errors.**${s.firstError !== undefined ? ` First error: \`${s.firstError.split('\n')[0]}\`.` : ''}

| process | RSS first (MB) | RSS last | RSS max | RSS slope (MB/min) | heapUsed first (MB) | heapUsed last | heapUsed max | heapUsed slope (MB/min) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${soakLine('client', s.summary.client)}
${soakLine('server 0', s.summary.server)}

The client's samples start when its load starts; server 0's when it started, a few seconds earlier (the chart
plots both by sample number).
${chart !== undefined ? `\n![${chart.title}](${chart.file})\n` : ''}`
}

function chartLinks (charts: Chart[]): string {
  const speed = charts.filter((c) => /\/(calls|latency)-/.test(c.file))
  if (speed.length === 0) return ''
  return `## Charts

Generated from [benchmarks.json](benchmarks.json) by \`node bench/dist/src/render.js\`:

${speed.map((c) => `- [${c.title}](${c.file})`).join('\n')}

![calls/s, 16 B echo, 1 server](${speed[0].file})
`
}

export function renderMarkdown (r: Report): string {
  const m = r.machine
  const o = r.options
  const failed = r.records.filter((x) => x.error !== undefined)
  return `# Benchmarks

Generated by \`${r.command}\` (\`bench/src/run.ts\`), \`npm run bench:memory\`, \`npm run bench:soak\` and \`npm run bench:streams\`; do not edit by
hand, re-run instead. Raw figures, per run: [benchmarks.json](benchmarks.json), [benchmarks-memory.json](benchmarks-memory.json),
[soak.json](soak.json), [benchmarks-streams.json](benchmarks-streams.json).

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
| parameters | ${o.runs} run(s) per configuration, warm-up ${o.processWarmupMs ?? 0} ms per client process and ${o.warmupMs} ms per phase, measured ${o.durationMs} ms per phase; payloads ${o.payloads.map(sizeLabel).join(', ')}; in flight ${o.levels.join(', ')}; servers ${o.servers.join(', ')} |

## Goals: peercall routed (membership and balancer in the loop)

${ratiosTable(r.routed)}

Summary: ${ratiosSummary(r.routed)}.

## Goals: peercall pinned with \`peer\`, ${SMALL_PAYLOAD} B echo

${ratiosTable(r.pinned)}

Summary: ${ratiosSummary(r.pinned)}.

## Goals: peercall routed against Moleculer 0.14 and 0.15, and @hyperswarm/rpc, ${SMALL_PAYLOAD} B

${ratiosTable(r.frameworks)}

Summary: ${ratiosSummary(r.frameworks)}.

${observations(r.rows)}
${failed.length > 0 ? `\nFailed runs: ${failed.map((f) => `run ${f.run} ${f.target} x${f.servers}: ${f.error?.split('\n')[0] ?? ''}`).join('; ')}\n` : ''}
## Results (medians of ${o.runs} run(s))

${resultsTables(r.rows)}

${chartLinks(r.charts)}
${memorySection(r.memory, r.charts)}
${soakSection(r.soak, r.charts)}
${streamsSection(r.streams)}
${method(m.versions, o)}
${CAVEATS}
## How to reproduce

\`\`\`sh
npm ci
npm run bench                      # build, then 3 interleaved runs of the whole matrix and the memory measurement;
                                   # rewrites this file, benchmarks.json, benchmarks-memory.json and the charts (~20 min)
npm run bench:quick                # 1 short run, prints the tables, writes nothing
npm run bench:memory               # only the memory measurement (~1 min)
npm run bench:soak                 # the 10-minute soak; -- --minutes 2 to shorten
npm run bench:streams              # server-stream throughput against the bare libp2p stream (~1 min)
node bench/dist/src/streams/costs.js  # CPU per stream item of each step of peercall's wire path, in one process
node bench/dist/src/run.js --only peercall,net --payloads 16 --levels 1,64 --servers 1 --runs 5 --no-write
BENCH_VERBOSE=1 node bench/dist/src/run.js --quick   # also shows the children's stderr
node --cpu-prof --cpu-prof-dir=/tmp/prof bench/dist/src/run.js --only peercall --runs 1 --no-write
                                   # Node flags pass through to the server and client children
node bench/dist/src/run.js --pin   # servers on CPU 0, client on CPU 1 (taskset)
node bench/dist/src/render.js      # re-render this file and the charts from the JSON files without measuring
npm run bench:codec -w @peercall/bench               # the codec measurement behind docs/codec.md
npm run bench:stack -- --rounds 10 --slice 700 --write # lone round trips on the bare stack, patched and not (~1 min)
node bench/dist/src/ramp/main.js --runs 2          # the first calls of a fresh process, Node-flag variants (~3 min)
node bench/dist/src/seq/main.js --targets peercall,peercall-pinned,moleculer  # sequential calls, targets alternating in slices (~1 min)
node bench/dist/src/idle/main.js --peers 31        # an idle peer's memory among 31 others, Node-flag variants (~10 min)
\`\`\`
`
}
