/**
 * Private clusters: a pre-shared cluster key (libp2p private networks, `@libp2p/pnet`, XSalsa20 with a 256-bit
 * key). Every connection is wrapped in the key's cipher before the Noise handshake, so a peer without the key
 * cannot even negotiate a protocol: its connection fails before it learns anything but that the port is open.
 *
 * The key is the swarm-key text that go-ipfs and js-libp2p use:
 * ```
 * /key/swarm/psk/1.0.0/
 * /base16/
 * <64 hex digits>
 * ```
 */
import { randomBytes } from 'node:crypto'
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'

/** Length of a swarm key file as `generateClusterKey` (and @libp2p/pnet's `generateKey`) writes it, bytes. */
export const CLUSTER_KEY_BYTES = 95

/** Length of the key itself, bytes (XSalsa20's 256-bit key; @libp2p/pnet's KEY_LENGTH). */
const KEY_LENGTH = 32

/** How long the pnet nonce exchange of a new connection may take, ms (@libp2p/pnet's default is 1000). */
export const CLUSTER_KEY_HANDSHAKE_TIMEOUT_MS = 5_000

const HEADER = '/key/swarm/psk/1.0.0/'

/** A new random cluster key, as swarm-key text bytes (write it to a file with mode 0600 and share it out of band). */
export function generateClusterKey (): Uint8Array {
  // the text @libp2p/pnet's generateKey writes, made here so that pnet (and its WebAssembly cipher, about 5 MB
  // resident) is loaded only by a node that uses a key
  return new TextEncoder().encode(`${HEADER}\n/base16/\n${randomBytes(KEY_LENGTH).toString('hex')}`)
}

/** Writes a new cluster key to `path` (mode 0600, never overwriting) and returns it. */
export async function writeClusterKey (path: string): Promise<Uint8Array> {
  const key = generateClusterKey()
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, key, { mode: 0o600, flag: 'wx' })
  return key
}

/**
 * The cluster key's bytes from what a user passed: the key's bytes, its text, or the path of a file holding it.
 * Throws a clear error when it is not a valid swarm key (pnet's own error says only "invalid psk").
 */
export async function resolveClusterKey (key: Uint8Array | string): Promise<Uint8Array> {
  let bytes: Uint8Array
  if (typeof key === 'string') {
    bytes = key.startsWith(HEADER)
      ? new TextEncoder().encode(key)
      : new Uint8Array(await readFile(key).catch((err: Error) => { throw new Error(`cannot read cluster key ${key}: ${err.message}`) }))
  } else {
    bytes = key
  }
  validateClusterKey(bytes)
  return bytes
}

/** Throws unless `bytes` is a swarm key: the header line, the `/base16/` line and 32 bytes in hex. */
export function validateClusterKey (bytes: Uint8Array): void {
  const lines = new TextDecoder().decode(bytes).split(/\r\n|\r|\n/)
  if (lines[0] !== HEADER || lines[1] !== '/base16/' || !/^[0-9a-fA-F]{64}$/.test(lines[2]?.trim() ?? '')) {
    throw new TypeError(`not a cluster key: expected "${HEADER}", "/base16/" and 64 hex digits on three lines (generate one with generateClusterKey())`)
  }
}

/** The libp2p `connectionProtector` for a cluster key; loads @libp2p/pnet on first use. */
export async function clusterKeyProtector (psk: Uint8Array): Promise<(components: any) => unknown> {
  const { preSharedKey } = await import('@libp2p/pnet')
  return preSharedKey({ psk, timeout: CLUSTER_KEY_HANDSHAKE_TIMEOUT_MS }) as (components: any) => unknown
}
