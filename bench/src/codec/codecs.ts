/** The codecs compared, each as bytes in, bytes out. */
import { Packr } from 'msgpackr'
import { Encoder as CborEncoder } from 'cbor-x'

export interface NamedCodec {
  name: string
  /** How it is configured, for the report. */
  config: string
  encode(value: unknown): Uint8Array
  decode(bytes: Uint8Array): unknown
}

const packr = new Packr({ useRecords: false })
const cbor = new CborEncoder({ useRecords: false })
const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder()

export const CODECS: NamedCodec[] = [
  {
    name: 'msgpackr',
    config: '`new Packr({ useRecords: false })`: plain MessagePack, readable by any implementation',
    encode: (v) => packr.pack(v),
    decode: (b) => packr.unpack(b)
  },
  {
    name: 'cbor-x',
    config: '`new Encoder({ useRecords: false })`: plain CBOR (RFC 8949) with its standard tags',
    encode: (v) => cbor.encode(v),
    decode: (b) => cbor.decode(b)
  },
  {
    name: 'JSON',
    config: '`JSON.stringify` + `TextEncoder`, `TextDecoder` + `JSON.parse` (bytes on both sides, as on a wire)',
    encode: (v) => utf8.encode(JSON.stringify(v)),
    decode: (b) => JSON.parse(fromUtf8.decode(b))
  }
]

/** peercall's own codec (msgpackr with its Map extension), when @peercall/core is built and exports it. */
export async function coreCodec (): Promise<NamedCodec | undefined> {
  try {
    const core = await import('@peercall/core') as { codec?: { encode(v: unknown): Uint8Array, decode(b: Uint8Array): unknown } }
    const c = core.codec
    if (c === undefined) return undefined
    return {
      name: 'peercall codec',
      config: "`codec` of @peercall/core: msgpackr (`useRecords: false`, `moreTypes`, `useBigIntExtension`, `copyBuffers`) plus a Map extension type",
      encode: (v) => c.encode(v),
      decode: (b) => c.decode(b)
    }
  } catch {
    return undefined
  }
}
