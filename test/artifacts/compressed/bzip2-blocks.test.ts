/**
 * bzip2 is decoded block by block with one reused work array per block size (issue 17: a fresh
 * 3.6 MB array per block was a fifth of a scan's CPU). The reuse must not leak one block's
 * state into the next: a tar split over two concatenated bzip2 streams of different levels
 * (small blocks, then large ones, then small again) lists every entry, and a damaged block is a
 * warning with the entries before it.
 */
import { describe, expect } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { bufferSource } from '../../../src/util/byte-source.js';
import { INNER_TAR_BOUNDS, listInnerTar } from '../../../src/artifacts/compressed/inner-tar.js';
import { pseudoRandom } from '../../../fixtures/lib/sevenzip-rar-writers.mjs';
// @ts-expect-error plain-JS fixture generator without type declarations
import { tar } from '../../../fixtures/background/generate.mjs';
import { testIf, toolAvailable, toolMissing } from '../../helpers/corpus.js';

const bzip2 = (data: Buffer, level: number): Buffer => execFileSync('bzip2', [`-${level}`, '-c'], { input: data, maxBuffer: 64 * 1024 * 1024 });
/** Correctness, not speed: the wall-clock bound is lifted so that a loaded machine cannot cut the listing. */
const NO_TIME_BOUND = { ...INNER_TAR_BOUNDS, maxMs: 600_000 };
const NAMES = Array.from({ length: 40 }, (_, i) => `home/u/Documents/file-${i}.bin`);

describe('bzip2 block decoding', () => {
  testIf(toolAvailable('bzip2'), toolMissing('bzip2'))('a tar over concatenated streams of levels 1, 9, 1 lists every entry, twice in a row', async () => {
    // Members of 30 KB make the tar ~1.2 MB: several level-1 blocks (100 KB) and two level-9 ones.
    const plain = tar(NAMES.map((name, i) => ({ name, data: pseudoRandom(30_000, i + 1) }))) as Buffer;
    const cuts = [0, 300_000, 1_000_000, plain.length];
    const levels = [1, 9, 1];
    const stream = Buffer.concat(levels.map((level, i) => bzip2(plain.subarray(cuts[i], cuts[i + 1]), level)));
    for (let round = 0; round < 2; round++) {
      const r = await listInnerTar(bufferSource(stream), 'bzip2', NO_TIME_BOUND);
      expect(r.warnings).toEqual([]);
      expect(r.entries?.map((e) => e.name)).toEqual(NAMES);
      expect(r.complete).toBe(true);
    }
  });

  testIf(toolAvailable('bzip2'), toolMissing('bzip2'))('a damaged second block: a warning and the entries of the first block', async () => {
    const plain = tar(NAMES.map((name, i) => ({ name, data: pseudoRandom(30_000, i + 1) }))) as Buffer;
    const stream = Buffer.from(bzip2(plain, 1));
    // Flip bytes well inside the stream (past the first 100 KB block's compressed data).
    for (let at = Math.floor(stream.length * 0.6); at < Math.floor(stream.length * 0.6) + 64; at++) stream[at] ^= 0x5a;
    const r = await listInnerTar(bufferSource(stream), 'bzip2', NO_TIME_BOUND);
    expect(r.warnings.join(' ')).toMatch(/bzip2 data could not be decoded/);
    expect(r.complete).toBe(false);
    expect(r.entries!.length).toBeGreaterThan(0);
    expect(r.entries!.length).toBeLessThan(NAMES.length);
    expect(r.entries!.map((e) => e.name)).toEqual(NAMES.slice(0, r.entries!.length));
  });
});
