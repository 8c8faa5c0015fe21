/**
 * The project's bzip2 decoder (src/artifacts/compressed/bzip2.ts) against the bzip2 tool: the same
 * bytes for inputs of many shapes, the corpus' bzip2 files, and for damaged input a Bzip2Error or
 * the original bytes (a flip the CRCs cannot see, in the padding), never another exception, within
 * a CPU bound. The tar peek (listInnerTar) turns a damaged block into a warning, also when the
 * stream holds no tar.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Bzip2Decoder, Bzip2Error } from '../../../src/artifacts/compressed/bzip2.js';
import { INNER_TAR_BOUNDS, listInnerTar } from '../../../src/artifacts/compressed/inner-tar.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { pseudoRandom } from '../../../fixtures/lib/sevenzip-rar-writers.mjs';
import { cpuClock } from '../../helpers/cpu.js';
import { CORPUS_MISSING, corpusAvailable, corpusPath, testIf, toolAvailable, toolMissing } from '../../helpers/corpus.js';

const HAVE_BZIP2 = toolAvailable('bzip2');
const compress = (data: Buffer, level = 9): Buffer => execFileSync('bzip2', [`-${level}`, '-c'], { input: data, maxBuffer: 64 * 1024 * 1024 });
const reference = (data: Buffer): Buffer => execFileSync('bzip2', ['-d', '-c'], { input: data, maxBuffer: 64 * 1024 * 1024 });
const NO_TIME_BOUND = { ...INNER_TAR_BOUNDS, maxMs: 600_000 };

/** Every stream in `input`, fed in chunks of `chunkSize` bytes (block and chunk edges fall anywhere). */
function decode(input: Buffer, chunkSize = 64 * 1024): Buffer {
  let at = 0;
  const decoder = new Bzip2Decoder(() => {
    if (at >= input.length) return null;
    const chunk = input.subarray(at, at + chunkSize);
    at += chunkSize;
    return chunk;
  });
  const parts: Buffer[] = [];
  const out = (chunk: Buffer): boolean => (parts.push(Buffer.from(chunk)), true);
  while (decoder.hasMoreInput()) {
    decoder.readStreamHeader();
    while (decoder.readBlock(out));
  }
  return Buffer.concat(parts);
}

const text = (n: number, seed: number): Buffer => {
  const words = ['invoice', 'backup', 'the', 'report', 'of', 'staging', 'C:\\Users\\Public', '2024-01-10T00:10:00Z', '\n', 'error'];
  const r = pseudoRandom(n, seed);
  const parts: string[] = [];
  for (let i = 0, len = 0; len < n; i++) {
    const w = words[r[i % r.length]! % words.length]!;
    parts.push(w);
    len += w.length + 1;
  }
  return Buffer.from(parts.join(' ').slice(0, n), 'latin1');
};

/** Inputs that reach each stage: empty (end marker only), tiny, RLE1 runs around 4 and 255, all byte values, random, text. */
const SHAPES: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['one byte', Buffer.from('x')],
  ['two bytes', Buffer.from([0, 255])],
  ...[3, 4, 5, 8, 255, 256, 258, 259, 260, 261, 300, 1000, 70_000].map((n): [string, Buffer] => [`run of ${n}`, Buffer.alloc(n, 0x61)]),
  ['runs of 4 and 5 alternating', Buffer.from('aaaabbbbbccccdddddeeee'.repeat(50))],
  ['runs of every length 1..300', Buffer.concat(Array.from({ length: 300 }, (_, i) => Buffer.alloc(i + 1, i % 256)))],
  ['all byte values', Buffer.from(Array.from({ length: 256 * 8 }, (_, i) => i % 256))],
  ['random 200 KB', pseudoRandom(200_000, 7)],
  ['text 300 KB', text(300_000, 3)],
  ['text and random (bench tree shape)', Buffer.concat([text(40_000, 5), pseudoRandom(20_000, 9)])],
];


/** MSB-first bit writer for hand-made blocks. */
class Bits {
  private out: number[] = [];
  private acc = 0;
  private n = 0;
  put(value: number, width: number): this {
    for (let i = width - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value / 2 ** i) & 1);
      if (++this.n < 8) continue;
      this.out.push(this.acc);
      this.acc = 0;
      this.n = 0;
    }
    return this;
  }
  bytes(): Buffer {
    return Buffer.from(this.n ? [...this.out, this.acc << (8 - this.n)] : this.out);
  }
}

/** bzip2's CRC-32 (polynomial 0x04c11db7, MSB first). */
function bzCrc(data: Buffer): number {
  let crc = 0xffffffff;
  for (const b of data) {
    crc ^= b << 24;
    for (let k = 0; k < 8; k++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return ~crc >>> 0;
}

/**
 * A level-1 stream of one block using the byte 'a' only: alphabet RUNA, RUNB, end-of-block, all with
 * 2-bit codes (00, 01, 10) in both groups; `symbols` are the codes to write; `selectors` all 0.
 */
function handMade(opts: { symbols: number[]; origPtr?: number; selectors?: number; crc: number; end?: boolean }): Buffer {
  const w = new Bits().put(0x425a6831, 32).put(0x314159, 24).put(0x265359, 24).put(opts.crc, 32).put(0, 1).put(opts.origPtr ?? 0, 24);
  w.put(0x8000 >>> 6, 16).put(0x8000 >>> 1, 16); // range 6 (0x60-0x6f) used, in it byte 0x61 'a'
  const selectors = opts.selectors ?? 1;
  w.put(2, 3).put(selectors, 15);
  for (let i = 0; i < selectors; i++) w.put(0, 1);
  for (let g = 0; g < 2; g++) {
    w.put(2, 5);
    for (let s = 0; s < 3; s++) w.put(0, 1);
  }
  for (const sym of opts.symbols) w.put(sym, 2);
  if (opts.end !== false) w.put(0x177245, 24).put(0x385090, 24).put(opts.crc, 32);
  return w.bytes();
}

describe('bzip2 decoder', () => {

  test('hand-made blocks: a valid one decodes; each broken bound is a Bzip2Error', () => {
    const RUNA = 0;
    const RUNB = 1;
    const EOB = 2;
    // RUNA, RUNB = a run of 1 + 2 x 2 = 5 bytes "a": the run-length stage reads "aaaa" + a count byte 0x61 (97 more).
    const five = Buffer.alloc(4 + 97, 0x61);
    expect(decode(handMade({ symbols: [RUNA, RUNB, EOB], crc: bzCrc(five) })).equals(five)).toBe(true);
    const one = Buffer.from('a');
    expect(decode(handMade({ symbols: [RUNA, EOB], crc: bzCrc(one) })).equals(one)).toBe(true);
    expect(() => decode(handMade({ symbols: [RUNA, EOB], crc: bzCrc(one) ^ 1 }))).toThrow(/block CRC/);
    expect(() => decode(handMade({ symbols: [RUNA, EOB], origPtr: 1, crc: bzCrc(one) }))).toThrow(/origPtr/);
    // 20 RUNBs: a run of 2 x (2^20 - 1) bytes, longer than a level-1 block.
    expect(() => decode(handMade({ symbols: Array(20).fill(RUNB), crc: 0, end: false }))).toThrow(/run longer/);
    // A block that never ends: the input runs out (no hang, no read past the end).
    expect(() => decode(handMade({ symbols: [RUNA], crc: 0, end: false }))).toThrow(/ended prematurely/);
    // More selectors than a block can use are read and the extra ignored (bzip2 1.0.8).
    expect(decode(handMade({ symbols: [RUNA, EOB], selectors: 20_000, crc: bzCrc(one) })).equals(one)).toBe(true);
  });

  testIf(HAVE_BZIP2, toolMissing('bzip2'))('decodes what bzip2 -c writes, at levels 1 and 9, in any input chunking', () => {
    for (const [name, data] of SHAPES) {
      for (const level of [1, 9]) {
        const packed = compress(data, level);
        expect({ name, level, same: decode(packed).equals(data) }).toEqual({ name, level, same: true });
      }
      const packed = compress(data, 9);
      expect({ name, chunked: decode(packed, 7).equals(data) }).toEqual({ name, chunked: true });
    }
  });

  testIf(HAVE_BZIP2, toolMissing('bzip2'))('multi-block streams (-1) and concatenated streams of mixed levels', () => {
    const big = Buffer.concat([text(250_000, 11), pseudoRandom(120_000, 12), Buffer.alloc(90_000, 0), text(60_000, 13)]);
    const packed = compress(big, 1);
    expect(decode(packed).equals(big)).toBe(true);
    expect(decode(packed).equals(reference(packed))).toBe(true);
    const parts = [text(1000, 1), Buffer.alloc(0), pseudoRandom(150_000, 2), Buffer.from('z')];
    const joined = Buffer.concat(parts.map((p, i) => compress(p, [9, 1, 1, 5][i])));
    expect(decode(joined).equals(Buffer.concat(parts))).toBe(true);
    expect(decode(joined, 13).equals(reference(joined))).toBe(true);
  });

  testIf(HAVE_BZIP2 && corpusAvailable(), `${CORPUS_MISSING} or ${toolMissing('bzip2')}`)("every bzip2 file of the corpus decodes as bzip2 -d does", () => {
    const found: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = path.join(dir, name);
        const st = statSync(p);
        if (st.isDirectory()) walk(p);
        else if (st.isFile() && !name.includes('.expected.') && readFileSync(p).subarray(0, 3).toString('latin1') === 'BZh') found.push(p);
      }
    };
    walk(corpusPath('archives'));
    expect(found.length).toBeGreaterThanOrEqual(2); // file-type/fixture.bz2, libarchive/test_compat_bzip2_1.tbz
    for (const p of found) {
      const data = readFileSync(p);
      let expected: Buffer | null;
      try {
        expected = reference(data);
      } catch {
        expected = null; // damaged on purpose: ours must refuse it too
      }
      if (expected) expect({ p, same: decode(data).equals(expected) }).toEqual({ p, same: true });
      else expect(() => decode(data)).toThrow(Bzip2Error);
    }
  });

  testIf(HAVE_BZIP2, toolMissing('bzip2'))('a flipped bit anywhere: a Bzip2Error or the original bytes, within a CPU bound', () => {
    const data = Buffer.concat([text(3000, 21), Buffer.alloc(600, 0x41), pseudoRandom(800, 22)]);
    const packed = compress(data, 1);
    const cpu = cpuClock();
    let refused = 0;
    for (let bit = 0; bit < packed.length * 8; bit += 5) {
      const damaged = Buffer.from(packed);
      damaged[bit >>> 3]! ^= 0x80 >>> (bit & 7);
      try {
        expect(decode(damaged).equals(data)).toBe(true);
      } catch (err) {
        if (!(err instanceof Bzip2Error)) throw err;
        refused++;
      }
    }
    expect(refused).toBeGreaterThan((packed.length * 8) / 5 - 8); // only padding bits go unnoticed
    expect(cpu()).toBeLessThan(60_000);
  });

  testIf(HAVE_BZIP2, toolMissing('bzip2'))('every truncation: a Bzip2Error, never a hang or another exception', () => {
    const packed = compress(Buffer.concat([text(5000, 31), pseudoRandom(2000, 32)]), 1);
    const cpu = cpuClock();
    expect(decode(Buffer.alloc(0)).length).toBe(0); // no stream at all
    for (let n = 1; n < packed.length; n += 5) expect(() => decode(packed.subarray(0, n))).toThrow(Bzip2Error);
    expect(cpu()).toBeLessThan(60_000);
  });

  testIf(HAVE_BZIP2, toolMissing('bzip2'))('trailing garbage after a stream is refused (a warning in the tar peek)', () => {
    const packed = compress(text(2000, 41), 9);
    expect(() => decode(Buffer.concat([packed, Buffer.alloc(16)]))).toThrow(/stream header/);
  });

  testIf(HAVE_BZIP2, toolMissing('bzip2'))('the tar peek of a damaged non-tar .bz2 warns, although 512 bytes decided it holds no tar', async () => {
    const data = text(200_000, 51);
    const packed = compress(data, 9);
    const clean = await listInnerTar(bufferSource(packed), 'bzip2', NO_TIME_BOUND);
    expect(clean).toMatchObject({ entries: null, warnings: [] });
    // Damage near the end of the block: only the CRC over the whole block can see it.
    const damaged = Buffer.from(packed);
    damaged[damaged.length - 40]! ^= 0x10;
    const r = await listInnerTar(bufferSource(damaged), 'bzip2', NO_TIME_BOUND);
    expect(r.entries).toBeNull();
    expect(r.warnings.join(' ')).toMatch(/^bzip2 data could not be decoded: /);
  });

  testIf(HAVE_BZIP2, toolMissing('bzip2'))('the tar peek never throws on damaged or truncated input', async () => {
    const packed = compress(Buffer.concat([text(4000, 61), pseudoRandom(1000, 62)]), 1);
    for (let at = 0; at < packed.length; at += 17) {
      const damaged = Buffer.from(packed);
      damaged[at]! ^= 0xa5;
      const r = await listInnerTar(bufferSource(damaged), 'bzip2', NO_TIME_BOUND);
      expect(r.entries).toBeNull();
      if (at === 0) continue;
      const cut = await listInnerTar(bufferSource(packed.subarray(0, at)), 'bzip2', NO_TIME_BOUND);
      // A cut in the end marker (10 bytes) goes unseen: the peek stops once 512 bytes show no tar.
      const expected = at < packed.length - 10 ? ['bzip2 data could not be decoded: input stream ended prematurely'] : [];
      expect({ at, warnings: cut.warnings }).toEqual({ at, warnings: expected });
    }
  });
});
