/** Listen failures in peercall's words: the address that failed and what to do, for each socket error code known. */
import test from 'ava'
import { RpcError } from '../src/errors.js'
import { explainListenError } from '../src/listen-error.js'

const LIBP2P_MESSAGE = 'Some configured addresses failed to be listened on, you may need to remove one or more listen addresses from your configuration or set `transportManager.faultTolerance` to NO_FATAL:\n\n  /ip4/127.0.0.1/tcp/4001: Error: listen EADDRINUSE: address already in use 127.0.0.1:4001'

test('a port in use names the failed address and what to do', t => {
  const err = explainListenError(new Error(LIBP2P_MESSAGE), 'listen', ['/ip4/127.0.0.1/tcp/4001', '/ip4/127.0.0.1/tcp/4002'])
  t.true(err instanceof RpcError)
  t.is((err as RpcError).code, 'UNAVAILABLE')
  t.is((err as RpcError).message, 'cannot listen on /ip4/127.0.0.1/tcp/4001: the port is in use (another peer, or an earlier one still stopping?): choose another port, or port 0 for any free one')
})

test('the code alone (node:net) suffices; other errors pass through unchanged', t => {
  const http = explainListenError(Object.assign(new Error('listen EACCES: permission denied 0.0.0.0:80'), { code: 'EACCES' }), 'serve the dashboard', ['0.0.0.0:80'])
  t.regex((http as Error).message, /^cannot serve the dashboard on 0\.0\.0\.0:80: permission denied/)
  t.regex((explainListenError(new Error('listen EADDRNOTAVAIL 10.9.9.9'), 'listen', ['/ip4/10.9.9.9/tcp/1']) as Error).message, /not one of this machine's/)
  const other = new Error('something else')
  t.is(explainListenError(other, 'listen', ['/ip4/127.0.0.1/tcp/1']), other)
})
