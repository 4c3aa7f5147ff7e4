import test from 'ava'
import fc from 'fast-check'
import { fnv1a32, murmur3, murmur3Bytes } from '../src/hash.js'

// reference vectors of MurmurHash3 x86_32 (SMHasher) and FNV-1a 32
const murmurVectors: Array<[string, number, number]> = [
  ['', 0, 0],
  ['', 1, 0x514e28b7],
  ['', 0xffffffff, 0x81f16f39],
  ['test', 0, 0xba6bd213],
  ['abc', 0, 0xb3dd93fa],
  ['hello', 0, 0x248bfa47],
  ['Hello, world!', 0, 0xc0363e43],
  ['The quick brown fox jumps over the lazy dog', 0, 0x2e4ff723],
  ['ππππππππ', 0x9747b28c, 0xd58063c1] // non-ASCII: hashed as UTF-8
]

for (const [input, seed, expected] of murmurVectors) {
  test(`murmur3(${JSON.stringify(input)}, ${seed}) = 0x${expected.toString(16)}`, t => {
    t.is(murmur3(input, seed), expected)
  })
}

for (const [input, expected] of [['', 0x811c9dc5], ['a', 0xe40c292c], ['foobar', 0xbf9cf968]] as const) {
  test(`fnv1a32(${JSON.stringify(input)}) = 0x${expected.toString(16)}`, t => { t.is(fnv1a32(input), expected) })
}

test('murmur3 of a string equals murmur3 of its UTF-8 bytes (ASCII fast path and fallback agree)', t => {
  const enc = new TextEncoder()
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.nat(), (s, seed) => {
    return murmur3(s, seed) === murmur3Bytes(enc.encode(s), seed)
  }), { seed: 1, numRuns: 500 })
  t.pass()
})
