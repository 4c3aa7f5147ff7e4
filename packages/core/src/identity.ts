/**
 * Peer identities kept in a file, so that a restarted peer keeps its peer id.
 *
 * The file holds the libp2p protobuf encoding of an Ed25519 private key (as `libp2p` and `ipfs` keep keys),
 * written with mode 0600.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'

/** Reads the private key in `path`, or makes a new Ed25519 key and writes it there. */
export async function loadOrCreateIdentity (path: string): Promise<PrivateKey> {
  try {
    return privateKeyFromProtobuf(await readFile(path)) as unknown as PrivateKey
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read identity ${path}: ${(err as Error).message}`)
  }
  const key = await generateKeyPair('Ed25519')
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, privateKeyToProtobuf(key as never), { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err
  })
  // another process may have won the race to create it: the file is the truth
  return privateKeyFromProtobuf(await readFile(path)) as unknown as PrivateKey
}
