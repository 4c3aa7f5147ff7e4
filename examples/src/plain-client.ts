/**
 * The seed's plain client: connects to one peer and calls its Calculator.
 * `node examples/dist/src/plain-client.js <multiaddr of a peer>`
 */
import { CLIENT_META, createNode, RpcError } from '@peercall/core'
import type { Calculator } from './calculator.js'

const target = process.argv[2]
if (target === undefined) {
  process.stderr.write('usage: plain-client <multiaddr ending in /p2p/<peer id>>\n')
  process.exit(2)
}

const node = await createNode({ bootstrap: [target], membership: { meta: CLIENT_META } })
try {
  await node.waitForServices(['Calculator'], { timeoutMs: 10_000 })
  const calc = node.service<Calculator>('Calculator', { peer: target, timeoutMs: 2000 })
  console.log('add(1, 2)       =', await calc.add(1, 2))
  console.log('subtract(7, 10) =', await calc.subtract(7, 10))
  console.log('multiply(6, 7)  =', await calc.multiply(6, 7))
  console.log('divide(1, 4)    =', await calc.divide(1, 4))
  try {
    await calc.divide(1, 0)
  } catch (err) {
    if (!(err instanceof RpcError)) throw err
    console.log(`divide(1, 0)    -> ${err.code} ${err.name}: ${err.message} (from ${err.peer ?? '?'})`)
  }
} finally {
  await node.stop()
}
