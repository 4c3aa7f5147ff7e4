/**
 * Fuzzing with fast-check of what parses bytes from the network: the frame decoder, the value codec (and the
 * session's frame checks behind it), and the membership record parser (gossip and direct messages, fed on into
 * the SWIM state machine). Each property runs thousands of cases; the counts are in docs/security.md.
 *
 * Seeds are fixed (PEERCALL_FUZZ_SEED overrides) so that a failure reproduces; PEERCALL_FUZZ_RUNS scales the counts.
 */
import test from 'ava'
import fc from 'fast-check'
import { codec, exceedsDepth } from '../src/codec.js'
import { MAX_DECODE_DEPTH } from '../src/defaults.js'
import { RpcError } from '../src/errors.js'
import { FrameDecoder, encodeFrames, FRAME_HEADER_BYTES } from '../src/wire/framing.js'

const SEED = Number(process.env.PEERCALL_FUZZ_SEED ?? 20261124)
const SCALE = Number(process.env.PEERCALL_FUZZ_RUNS ?? 1)
const runs = (n: number): number => Math.max(1, Math.round(n * SCALE))

/** Case counts, asserted below so that docs/security.md stays true. */
export const FUZZ_RUNS = {
  frameRoundTrip: runs(3000),
  frameGarbage: runs(5000),
  codecRandom: runs(10000),
  codecMutated: runs(5000),
  membershipGossip: runs(5000),
  membershipDirect: runs(3000),
  membershipMutated: runs(3000)
}

/** Splits `bytes` at the given cut points (taken modulo its length). */
function split (bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map(c => bytes.byteLength === 0 ? 0 : c % bytes.byteLength))].sort((a, b) => a - b)
  const out: Uint8Array[] = []
  let prev = 0
  for (const p of points) { out.push(bytes.subarray(prev, p)); prev = p }
  out.push(bytes.subarray(prev))
  return out
}

// ---------------------------------------------------------------- frame decoder

test('fuzz FrameDecoder: any chunking of valid frames yields the same bodies', t => {
  let cases = 0
  fc.assert(fc.property(
    fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
    fc.array(fc.nat(), { maxLength: 20 }),
    (bodies, cuts) => {
      cases++
      const decoder = new FrameDecoder({ maxFrameSize: 1024 })
      const out: Uint8Array[] = []
      for (const chunk of split(encodeFrames(bodies), cuts)) out.push(...decoder.push(chunk).map(b => b.slice()))
      return decoder.pendingBytes === 0 && out.length === bodies.length && out.every((b, i) => Buffer.from(b).equals(Buffer.from(bodies[i])))
    }
  ), { numRuns: FUZZ_RUNS.frameRoundTrip, seed: SEED })
  t.is(cases, FUZZ_RUNS.frameRoundTrip)
})

test('fuzz FrameDecoder: garbage bytes give bodies within the limit or a PROTOCOL error, and bounded buffering', t => {
  const max = 512
  let cases = 0
  let rejected = 0
  fc.assert(fc.property(
    fc.array(fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      // lengths near the limit, then a little of a body
      fc.tuple(fc.integer({ min: 0, max: max + 8 }), fc.uint8Array({ maxLength: 40 })).map(([len, rest]) => {
        const b = new Uint8Array(4 + rest.byteLength)
        new DataView(b.buffer).setUint32(0, len)
        b.set(rest, 4)
        return b
      }),
      fc.constant(Uint8Array.of(0xff, 0xff, 0xff, 0xff))
    ), { maxLength: 30 }),
    chunks => {
      cases++
      const decoder = new FrameDecoder({ maxFrameSize: max })
      try {
        for (const chunk of chunks) {
          for (const body of decoder.push(chunk)) if (body.byteLength > max) return false
          // an incomplete frame is never more than one header and one body
          if (decoder.pendingBytes > FRAME_HEADER_BYTES + max) return false
        }
      } catch (err) {
        rejected++
        return err instanceof RpcError && err.code === 'PROTOCOL'
      }
      return true
    }
  ), { numRuns: FUZZ_RUNS.frameGarbage, seed: SEED })
  t.is(cases, FUZZ_RUNS.frameGarbage)
  t.true(rejected > 0 && rejected < cases, `${rejected} of ${cases} rejected`)
})

// ---------------------------------------------------------------- codec

/** What the session does with a frame body: decode, bound the depth, check the shape. Must never throw but Error. */
function sessionCheck (bytes: Uint8Array): 'frame' | 'rejected' {
  let v: unknown
  try {
    v = codec.decode(bytes)
  } catch (err) {
    if (!(err instanceof Error)) throw new Error(`decode threw a non-Error: ${String(err)}`)
    return 'rejected'
  }
  if (exceedsDepth(v, MAX_DECODE_DEPTH)) return 'rejected'
  return Array.isArray(v) && typeof v[0] === 'number' ? 'frame' : 'rejected'
}

test('fuzz codec.decode: random bytes decode or throw an Error, quickly and within memory', t => {
  let cases = 0
  let slowest = 0
  const heapBefore = process.memoryUsage().heapUsed
  fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), bytes => {
    cases++
    const start = performance.now()
    sessionCheck(bytes)
    slowest = Math.max(slowest, performance.now() - start)
    return true
  }), { numRuns: FUZZ_RUNS.codecRandom, seed: SEED })
  t.is(cases, FUZZ_RUNS.codecRandom)
  t.true(slowest < 250, `slowest decode ${slowest.toFixed(1)} ms`)
  t.true(process.memoryUsage().heapUsed - heapBefore < 256 * 1024 * 1024)
})

const wireValue = fc.letrec(tie => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.bigInt(), fc.uint8Array({ maxLength: 16 }), fc.date({ noInvalidDate: true })),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4 }),
    fc.array(fc.tuple(fc.oneof(fc.string(), fc.integer()), tie('value')), { maxLength: 3 }).map(e => new Map(e))
  )
})).value

test('fuzz codec: encodings of real frames, mutated (bit flips, truncation, splices), never crash the decoder', t => {
  let cases = 0
  let decodedAsFrame = 0
  fc.assert(fc.property(
    fc.tuple(fc.nat({ max: 2 ** 32 - 1 }), fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), fc.array(wireValue, { maxLength: 3 })),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 6 }),
    fc.nat(),
    fc.uint8Array({ maxLength: 16 }),
    ([id, service, method, args], flips, cut, splice) => {
      cases++
      const good = codec.encode([1, id, service, method, args, 1000, Date.now(), 0])
      const bad = Uint8Array.from(good) // not good.slice(): a Buffer's slice is a view
      for (const [at, v] of flips) bad[at % bad.byteLength] = v
      const truncated = bad.subarray(0, cut % (bad.byteLength + 1))
      const spliced = new Uint8Array(truncated.byteLength + splice.byteLength)
      spliced.set(truncated)
      spliced.set(splice, truncated.byteLength)
      for (const bytes of [bad, truncated, spliced]) if (sessionCheck(bytes) === 'frame') decodedAsFrame++
      return sessionCheck(good) === 'frame'
    }
  ), { numRuns: FUZZ_RUNS.codecMutated, seed: SEED })
  t.is(cases, FUZZ_RUNS.codecMutated)
  t.true(decodedAsFrame > 0) // the mutations do reach the frame checks, not only the decoder's errors
})

test('codec: headers that claim huge containers or strings are refused without allocating them', t => {
  const hostile: Array<[string, number[]]> = [
    ['array32 of 4G items', [0xdd, 0xff, 0xff, 0xff, 0xff]],
    ['map32 of 4G entries', [0xdf, 0xff, 0xff, 0xff, 0xff]],
    ['str32 of 4 GiB', [0xdb, 0xff, 0xff, 0xff, 0xff, 0x61]],
    ['bin32 of 4 GiB', [0xc6, 0xff, 0xff, 0xff, 0xff, 0x00]],
    ['ext32 of 4 GiB', [0xc9, 0xff, 0xff, 0xff, 0xff, 0x01]],
    ['map extension holding garbage', [0xd4, 0x01, 0x05]]
  ]
  const heapBefore = process.memoryUsage().heapUsed
  for (const [what, bytes] of hostile) {
    const start = performance.now()
    t.is(sessionCheck(Uint8Array.from(bytes)), 'rejected', what)
    t.true(performance.now() - start < 200, what)
  }
  t.true(process.memoryUsage().heapUsed - heapBefore < 64 * 1024 * 1024)
})

// ---------------------------------------------------------------- membership record parser

interface MembershipCodec {
  encode: (cluster: string, m: unknown) => Uint8Array
  decodeGossip: (cluster: string, bytes: Uint8Array) => Record<string, unknown> | undefined
  decodeDirect: (cluster: string, bytes: Uint8Array) => Record<string, unknown> | undefined
  MAX_MESSAGE_BYTES: number
}

/** The membership package's wire codec (not exported by the package: loaded from its build). */
async function membershipCodec (): Promise<MembershipCodec> {
  return await import(new URL('../../../membership/dist/src/codec.js', import.meta.url).href) as MembershipCodec
}

async function membershipSwim (): Promise<{ Swim: new (...a: any[]) => any, resolveConfig: (p?: object) => object }> {
  const m = await import('@peercall/membership')
  return { Swim: m.Swim as never, resolveConfig: m.resolveConfig as never }
}

const anyValue = fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER), fc.constant(-1), fc.constant(null), fc.boolean(),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }))
const peerIds = fc.constantFrom('peer-a', 'peer-b', 'peer-c', 'self')
const gossipish = fc.record({
  t: fc.oneof(fc.constantFrom('alive', 'left', 'suspect', 'dead'), fc.string({ maxLength: 6 })),
  id: fc.oneof(peerIds, anyValue),
  inc: fc.oneof(fc.nat({ max: 5 }), anyValue),
  ver: fc.oneof(fc.nat({ max: 5 }), anyValue),
  from: fc.oneof(peerIds, anyValue),
  data: fc.oneof(anyValue, fc.record({ addrs: anyValue, services: anyValue, meta: anyValue, load: anyValue }))
}, { requiredKeys: [] })

test('fuzz membership gossip parser: malformed or hostile records are dropped, valid ones drive SWIM without throwing', async t => {
  const mc = await membershipCodec()
  const { Swim, resolveConfig } = await membershipSwim()
  let cases = 0
  let accepted = 0
  fc.assert(fc.property(
    fc.array(fc.tuple(peerIds, fc.oneof(gossipish, anyValue), fc.constantFrom('c1', 'c2')), { minLength: 1, maxLength: 8 }),
    msgs => {
      cases++
      const swim = new Swim('self', resolveConfig(), 0, { random: () => 0.5 })
      let now = 0
      for (const [from, m, cluster] of msgs) {
        const g = mc.decodeGossip('c1', mc.encode(cluster, m))
        if (cluster !== 'c1' && g !== undefined) return false // another cluster's record is never accepted
        if (g === undefined) continue
        if (typeof g.id !== 'string' || !Number.isSafeInteger(g.inc) || (g.inc as number) < 0) return false
        accepted++
        swim.receiveGossip(from, g, now)
        now += 100
        swim.tick(now)
        swim.drain()
      }
      return swim.members.size <= 1 + msgs.length
    }
  ), { numRuns: FUZZ_RUNS.membershipGossip, seed: SEED })
  t.is(cases, FUZZ_RUNS.membershipGossip)
  t.true(accepted > 0)
})

test('fuzz membership direct parser: probes and state exchanges of any shape are validated before SWIM sees them', async t => {
  const mc = await membershipCodec()
  const { Swim, resolveConfig } = await membershipSwim()
  const entry = fc.record({ id: fc.oneof(peerIds, anyValue), state: fc.oneof(fc.constantFrom('alive', 'suspect', 'dead', 'left'), anyValue), inc: fc.oneof(fc.nat({ max: 5 }), anyValue), ver: fc.oneof(fc.nat({ max: 5 }), anyValue), data: anyValue }, { requiredKeys: [] })
  const direct = fc.oneof(
    fc.record({ t: fc.constantFrom('ping', 'ack', 'nack'), seq: fc.oneof(fc.nat(), anyValue), suspectInc: fc.oneof(fc.nat(), anyValue) }, { requiredKeys: ['t'] }),
    fc.record({ t: fc.constant('ping-req'), seq: fc.oneof(fc.nat(), anyValue), target: fc.oneof(peerIds, anyValue) }, { requiredKeys: ['t'] }),
    fc.record({ t: fc.constant('sync'), entries: fc.oneof(fc.array(fc.oneof(entry, anyValue), { maxLength: 6 }), anyValue), reply: fc.oneof(fc.boolean(), anyValue) }, { requiredKeys: ['t'] }),
    anyValue
  )
  let cases = 0
  let accepted = 0
  fc.assert(fc.property(fc.array(fc.tuple(peerIds, direct), { minLength: 1, maxLength: 6 }), msgs => {
    cases++
    const swim = new Swim('self', resolveConfig(), 0, { random: () => 0.5 })
    let now = 0
    for (const [from, m] of msgs) {
      const d = mc.decodeDirect('c1', mc.encode('c1', m))
      if (d === undefined) continue
      if (d.t === 'sync' && !(d.entries as unknown[]).every((e: any) => typeof e.id === 'string' && Number.isSafeInteger(e.inc) && Number.isSafeInteger(e.ver))) return false
      accepted++
      swim.receive(from, d, now)
      now += 100
      swim.tick(now)
      swim.drain()
    }
    return true
  }), { numRuns: FUZZ_RUNS.membershipDirect, seed: SEED })
  t.is(cases, FUZZ_RUNS.membershipDirect)
  t.true(accepted > 0)
})

test('fuzz membership parser: random and mutated envelopes never throw', async t => {
  const mc = await membershipCodec()
  let cases = 0
  fc.assert(fc.property(
    fc.oneof(gossipish, anyValue),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 6 }),
    fc.uint8Array({ maxLength: 64 }),
    (m, flips, raw) => {
      cases++
      const bytes = mc.encode('c1', m)
      for (const [at, v] of flips) bytes[at % bytes.byteLength] = v
      for (const b of [bytes, raw]) {
        mc.decodeGossip('c1', b)
        mc.decodeDirect('c1', b)
      }
      return true
    }
  ), { numRuns: FUZZ_RUNS.membershipMutated, seed: SEED })
  t.is(cases, FUZZ_RUNS.membershipMutated)
  // and an envelope past the size limit is refused before it is parsed
  t.is(mc.decodeGossip('c1', new Uint8Array(mc.MAX_MESSAGE_BYTES + 1)), undefined)
})
