/**
 * Unix compress (.Z): the LZW decoder against gzip's decompressor (`gzip -dc`, ncompress's
 * algorithm) on libarchive's writer (`bsdtar -cZf`), the corpus's one .Z, and streams of every
 * code width and mode; then what a scan sees of a `.tar.Z` (its tar's entries, its members) and
 * damaged or hostile streams.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lzwDecode } from '../../../src/artifacts/compressed/lzw.js';
import { compressedParser } from '../../../src/artifacts/compressed/index.js';
import { archiveMembers } from '../../../src/artifacts/archive/members.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { parseWith } from '../zip/helpers.js';
import { CORPUS_MISSING, corpusAvailable, corpusPath, testIf, toolAvailable, toolMissing } from '../../helpers/corpus.js';
import { xorshiftBytes } from '../../helpers/random.js';
import { cpuClock } from '../../helpers/cpu.js';
import { lzwCompress } from '../../../fixtures/lib/lzw-writer.mjs';

const HAVE_GZIP = toolAvailable('gzip');
const HAVE_BSDTAR = toolAvailable('bsdtar');
const withGzip = testIf(HAVE_GZIP, toolMissing('gzip'));
const withBoth = testIf(HAVE_GZIP && HAVE_BSDTAR, toolMissing('gzip or bsdtar'));

/** gzip's decompressor over a `.Z` held in memory (stdin), with its exit status. */
function gzipDecompress(z: Buffer): { out: Buffer; status: number | null; stderr: string } {
  const r = spawnSync('gzip', ['-dc'], { input: z, maxBuffer: 1 << 28 });
  return { out: r.stdout, status: r.status, stderr: r.stderr.toString() };
}

/** Text that repeats (the table fills with long strings) and blobs (it fills fast, and clears in block mode). */
function mixed(seed: number, n: number): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  for (let i = 0; size < n; i++) {
    const part = i % 3 === 2 ? xorshiftBytes(5000 + ((i * 7919) % 20_000), seed + i) : Buffer.from(`${i} staged/loot/report-${i % 17}.docx aaaaaaaaaa ${'ab'.repeat(i % 50)}\n`.repeat(40));
    parts.push(part);
    size += part.length;
  }
  return Buffer.concat(parts).subarray(0, n);
}

describe('Unix compress (.Z) decoder', () => {
  withBoth('libarchive\'s writer (16-bit codes, block mode, clear codes on incompressible data): the same bytes as gzip -dc', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stagehunt-lzw-'));
    try {
      mkdirSync(path.join(dir, 'loot'));
      const data = mixed(7, 1_500_000);
      writeFileSync(path.join(dir, 'loot', 'mixed.bin'), data);
      writeFileSync(path.join(dir, 'loot', 'notes.txt'), 'quarterly figures\n'.repeat(5000));
      execFileSync('bsdtar', ['-cZf', path.join(dir, 'loot.tar.Z'), '-C', dir, 'loot']);
      const z = readFileSync(path.join(dir, 'loot.tar.Z'));
      expect(z[2]).toBe(0x90);
      const reference = gzipDecompress(z);
      expect(reference.status).toBe(0);
      const warnings: string[] = [];
      const out = lzwDecode(z, 1 << 26, warnings);
      expect({ length: out.length, same: out.equals(reference.out), warnings }).toEqual({ length: reference.out.length, same: true, warnings: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  testIf(corpusAvailable() && HAVE_GZIP, CORPUS_MISSING)('the corpus\'s fixture.tar.Z (file-type): the same bytes as gzip -dc and 7-Zip (not a tar: bsdtar misreads it, MANIFEST.md)', () => {
    const z = readFileSync(corpusPath('archives', 'file-type', 'fixture.tar.Z'));
    const reference = gzipDecompress(z).out;
    expect(reference.length).toBe(304);
    expect(lzwDecode(z, 1 << 20, [])).toEqual(reference);
  });

  // Not 9: gzip's reader (as ncompress's) grows the width past a 9-bit limit once the table is full,
  // where the writers stay at 9 (pigz's reader does not grow it); no reference to check ours by.
  describe.each([10, 11, 12, 13, 15, 16])('largest code width %i', (maxBits) => {
    test.each([true, false])('block mode %s: the same bytes as gzip -dc', (blockMode) => {
      if (!HAVE_GZIP) return expect(HAVE_GZIP).toBe(false);
      const data = mixed(maxBits, 300_000);
      const z = lzwCompress(data, { maxBits, blockMode, clearAt: blockMode ? [70_000, 70_001, 200_000] : [] });
      const reference = gzipDecompress(z);
      // The reference first: the test's writer is checked by gzip before the reader is.
      expect({ status: reference.status, same: reference.out.equals(data) }).toEqual({ status: 0, same: true });
      const warnings: string[] = [];
      expect(lzwDecode(z, 1 << 22, warnings).equals(data)).toBe(true);
      expect(warnings).toEqual([]);
    });
  });

  withGzip('a stream cut anywhere gives what gzip gives of it: a prefix of the data, no warning (the format has no end marker)', () => {
    const data = mixed(3, 120_000);
    const z = lzwCompress(data, { maxBits: 16, blockMode: true });
    for (const cut of [3, 4, 5, 100, 1001, Math.floor(z.length / 2), z.length - 1]) {
      const warnings: string[] = [];
      const out = lzwDecode(z.subarray(0, cut), 1 << 22, warnings);
      const reference = gzipDecompress(z.subarray(0, cut)).out;
      expect({ cut, prefix: data.subarray(0, out.length).equals(out), warnings }).toEqual({ cut, prefix: true, warnings: [] });
      // gzip writes what it decoded up to the last whole group it read; ours goes on to the last whole code.
      expect(out.length).toBeGreaterThanOrEqual(reference.length);
    }
  });

  test('the output bound: at most maxOutput bytes, the first ones', () => {
    const data = mixed(5, 200_000);
    const z = lzwCompress(data, { maxBits: 14, blockMode: true });
    for (const max of [0, 1, 999, 65_536, 199_999]) expect(lzwDecode(z, max, [])).toEqual(data.subarray(0, max));
  });

  test('damage: a code past the next table entry, a first code over 255, a width over 16, reserved flags', () => {
    const z = lzwCompress(Buffer.from('abcabcabcabcabcabc'.repeat(20)), { maxBits: 16, blockMode: true });
    const badCode = Buffer.from(z);
    // The fourth code (bits 27..35) made 511: past the table's next entry (258 then).
    const bits = (at: number, n: number, v: number): void => {
      for (let i = 0; i < n; i++) {
        const bit = at + i;
        badCode[3 + (bit >> 3)] = (badCode[3 + (bit >> 3)]! & ~(1 << (bit & 7))) | (((v >> i) & 1) << (bit & 7));
      }
    };
    bits(27, 9, 511);
    const w1: string[] = [];
    expect(lzwDecode(badCode, 1 << 16, w1).toString()).toBe('abc');
    expect(w1).toEqual(['compress (.Z) code 511 past the table\'s next entry 259 at byte 6: damaged']);
    const w2: string[] = [];
    expect(lzwDecode(Buffer.from([0x1f, 0x9d, 0x90, 0xff, 0x01, 0, 0]), 100, w2).length).toBe(0);
    expect(w2).toEqual(['compress (.Z) stream\'s first code is 511, not a byte']);
    const w3: string[] = [];
    expect(lzwDecode(Buffer.from([0x1f, 0x9d, 0x91, 0x61, 0]), 100, w3).length).toBe(0);
    expect(w3).toEqual(['compress (.Z) stream with 17-bit codes: only 9 to 16 exist']);
    const w4: string[] = [];
    expect(lzwDecode(Buffer.from([0x1f, 0x9d, 0xf0, 0x61, 0]), 100, w4).toString()).toBe('a');
    expect(w4).toEqual(['compress (.Z) header has reserved flag bits set (0x60)']);
  });

  test('random bytes after the magic: bounded, no throw, linear time', () => {
    const t0 = cpuClock();
    for (let seed = 1; seed <= 200; seed++) {
      const z = Buffer.concat([Buffer.from([0x1f, 0x9d, 0x80 | (9 + (seed % 8))]), xorshiftBytes(4096 + seed * 37, seed)]);
      const out = lzwDecode(z, 64 * 1024, []);
      expect(out.length).toBeLessThanOrEqual(64 * 1024);
    }
    // A stream of 2 MiB of KwKwK codes (each string one byte longer: output quadratic in codes) stops at the bound.
    const runs = lzwCompress(Buffer.alloc(8 << 20, 0x61), { maxBits: 16, blockMode: false });
    expect(lzwDecode(runs, 1 << 20, []).length).toBe(1 << 20);
    expect(t0()).toBeLessThan(5000);
  });
});

describe('a .tar.Z in a scan', () => {
  withBoth('the tar inside is listed: the entries bsdtar lists of it, the listing complete', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stagehunt-lzw-'));
    try {
      mkdirSync(path.join(dir, 'collected'));
      for (let i = 0; i < 40; i++) writeFileSync(path.join(dir, 'collected', `doc-${i}.txt`), mixed(i, 3000 + i * 500));
      const file = path.join(dir, 'out.taz');
      execFileSync('bsdtar', ['-cZf', file, '-C', dir, 'collected']);
      const listed = execFileSync('bsdtar', ['-tf', file]).toString().trim().split('\n');
      const { result, summary } = await parseWith(compressedParser, readFileSync(file), 'out.taz');
      expect(summary).toMatchObject({ format: 'compress', inner: 'tar' });
      expect(summary!.fields).toMatchObject({ maxBits: 16, blockMode: true, innerEntriesComplete: true, innerEntriesSeen: 41 });
      expect(result!.records.slice(1).map((r) => r.name)).toEqual(listed);
      expect(result!.records[0]).toMatchObject({ name: 'out.tar', method: 'compress' });
      // Its members, as YARA and the archives-inside-archives check read them: the tar's files.
      const members = archiveMembers(bufferSource(readFileSync(file)), 'out.taz', { maxMembers: 100, maxMemberBytes: 1 << 20, maxTotalBytes: 1 << 24, packages: false });
      expect(members?.format).toBe('tar.compress');
      const doc7 = members!.members.find((m) => m.path === 'collected/doc-7.txt')!.load();
      expect(doc7.ok && doc7.data.equals(mixed(7, 3000 + 7 * 500))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
