/**
 * The Jepsen-style test, short variant (45 s of workload or the three faults, whichever is longer): 5 example-peer processes and 2 clients in their
 * own network namespaces (root and iproute2; on 127.0.0.1 without the partition otherwise), one peer's store
 * clock 2 s ahead, a SIGKILL and restart, an 8 s SIGSTOP and a 2/3 partition, then the checker: no lost
 * acknowledged write, no stale read, no value never written, no failed idempotent call, every heal converged
 * within 10 s. It runs in `npm test` (alone: `npm run test:jepsen:short`); `npm run test:jepsen` runs the long
 * variant.
 */
import test from 'ava'
import { runJepsen, summary } from './jepsen/run.js'

test('jepsen (short): the replicated store under SIGKILL, SIGSTOP, a partition and a clock 2 s ahead', async t => {
  t.timeout(240_000)
  const r = await runJepsen({ seconds: 45, partitionMs: 10_000, log: s => { t.log(s) } })
  for (const f of r.faults) t.log(`fault ${f}`)
  for (const a of r.report.anomalies.slice(0, 30)) t.log(`ANOMALY ${a.kind}: ${a.detail}`)
  t.log(summary(r))
  t.log('during partitions:', r.duringPartitions)
  t.true(r.report.ackedWrites > 100, 'the workload ran')
  t.true(r.report.readsChecked > 100, 'reads were checked')
  t.true(r.faults.length >= 4, 'every kind of fault was injected')
  t.deepEqual(r.report.anomalies, [])
})
