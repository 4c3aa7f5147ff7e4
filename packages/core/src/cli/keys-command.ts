/**
 * Keys for private clusters: `peercall cluster-key <file>` writes a new pre-shared cluster key, and
 * `peercall id <identity file>` prints the peer id of an identity (creating it if missing), which is what an
 * allowlist (`--allow`) names.
 */
import { UsageError, parse } from './common.js'

export const CLUSTER_KEY_HELP = [
  'usage: peercall cluster-key <file>',
  '',
  'Writes a new random cluster key (a libp2p swarm key: private network, @libp2p/pnet) to <file> with mode 0600;',
  'it never overwrites a file. Give the same file to every peer and client with --cluster-key: a peer without it',
  'cannot connect at all. Share it out of band, like a password (docs/security.md).'
].join('\n')

export const ID_HELP = [
  'usage: peercall id <identity file> [--json]',
  '',
  'Prints the peer id of the identity in <file>, creating the file (an Ed25519 key, mode 0600) if it is missing.',
  'Make each peer\'s identity first, then list the ids in the others\' --allow, and start each peer with its',
  '--identity <file>.'
].join('\n')

export async function clusterKeyCommand (args: string[]): Promise<number> {
  const { values, positionals } = parse<{ help?: boolean }>(args, { help: { type: 'boolean', short: 'h' } }, true)
  if (values.help === true) {
    process.stdout.write(CLUSTER_KEY_HELP + '\n')
    return 0
  }
  if (positionals.length !== 1) throw new UsageError('give one file to write the cluster key to')
  const { writeClusterKey } = await import('../index.js')
  try {
    await writeClusterKey(positionals[0])
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${positionals[0]} exists: a cluster key is never overwritten`)
    throw err
  }
  process.stderr.write(`wrote a new cluster key to ${positionals[0]} (mode 0600)\n`)
  return 0
}

export async function idCommand (args: string[]): Promise<number> {
  const { values, positionals } = parse<{ help?: boolean, json?: boolean }>(args, { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } }, true)
  if (values.help === true) {
    process.stdout.write(ID_HELP + '\n')
    return 0
  }
  if (positionals.length !== 1) throw new UsageError('give one identity file')
  const { loadOrCreateIdentity } = await import('../index.js')
  const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
  const key = await loadOrCreateIdentity(positionals[0])
  const peerId = peerIdFromPrivateKey(key as never).toString()
  process.stdout.write((values.json === true ? JSON.stringify({ peerId, identity: positionals[0] }) : peerId) + '\n')
  return 0
}
