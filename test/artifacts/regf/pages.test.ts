/**
 * The hive page cache (src/artifacts/regf/pages.ts): the same bytes as the hive held whole, whatever
 * the page size and cache; the walk over a ByteSource gives what the walk over a Buffer gives (the
 * Buffer walk is the one the reglookup/libregf conformance tests check); reads stay page-sized, and
 * the first record comes out before the hive is read.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { corpusAvailable, corpusPath, describeIf, CORPUS_MISSING } from '../../helpers/corpus.js';
import { bufferSource, type ByteSource } from '../../../src/util/byte-source.js';
import { PagedHive, type PageCacheSize } from '../../../src/artifacts/regf/pages.js';
import { walkHive, rawBytesOf, type WalkItem } from '../../../src/artifacts/regf/walk.js';
import { regfParser } from '../../../src/artifacts/regf/index.js';
import { parseRegf, streamRegf } from '../../../src/artifacts/regf/parse.js';
import type { ArtifactContext } from '../../../src/artifacts/types.js';
import { corpusHives } from './corpus-helpers.js';
// @ts-expect-error plain-JS fixture library without type declarations
import { writeHive } from '../../../fixtures/lib/regf-writer.mjs';

/** Pages of 24 bytes (not a multiple of 8: cells and fields straddle pages) and a cache of 2: every boundary and eviction happens. */
const TINY: PageCacheSize = { pageBytes: 24, maxPages: 2 };

function tree(leaves: number): unknown {
  const subkeys = [];
  for (let i = 0; i < leaves; i++) {
    subkeys.push({
      name: `key-${i}`,
      values: [
        { name: 'Path', type: 'REG_SZ', data: `C:\\Users\\Public\\item-${i}.dat` },
        { name: 'Count', type: 'REG_DWORD', data: i },
        { name: 'Blob', type: 'REG_BINARY', data: Buffer.alloc(64, i & 0xff) },
        ...(i % 500 === 0 ? [{ name: 'Big', type: 'REG_BINARY', data: Buffer.alloc(40_000, 7) }] : []),
      ],
    });
  }
  return { name: 'ROOT', subkeys: [{ name: 'Software', subkeys }] };
}

/** A comparable form of a walk: every item as JSON, with each value's raw bytes in hex. */
function dump(items: Iterable<WalkItem>): string[] {
  const out: string[] = [];
  for (const item of items) {
    const raw = item.type === 'registry-value' ? rawBytesOf(item)?.toString('hex') : undefined;
    out.push(JSON.stringify(item) + (raw === undefined ? '' : ` raw=${raw}`));
  }
  return out;
}

/** A ByteSource that records the length of every read. */
function counting(buf: Buffer): { src: ByteSource; reads: number[] } {
  const inner = bufferSource(buf, 'hive');
  const reads: number[] = [];
  return { reads, src: { size: inner.size, name: inner.name, read: (pos, len) => (reads.push(len), inner.read(pos, len)) } };
}

function ctx(name: string, size: number): ArtifactContext {
  return { relPath: name, name, head: Buffer.alloc(0), size, format: 'regf' };
}

describe('PagedHive reads what a Buffer reads', () => {
  const hive: Buffer = writeHive(tree(300));

  test.each([
    ['default pages', undefined],
    ['24-byte pages, 2 cached', TINY],
    ['4 KiB pages, 1 cached', { pageBytes: 4096, maxPages: 1 }],
  ] as const)('%s: numbers, strings and slices at every kind of position', (_name, cache) => {
    const paged = new PagedHive(bufferSource(hive), cache);
    expect(paged.length).toBe(hive.length);
    // Every offset near page boundaries of the sizes above, plus a deterministic spread.
    const positions: number[] = [];
    for (let p = 0; p < hive.length; p += 4093) positions.push(p);
    for (const page of [24, 4096, 65536]) for (let b = page; b < hive.length && b < 20 * page; b += page) for (let d = -9; d <= 1; d++) positions.push(b + d);
    /** Every read at `pos` that stays inside the hive, as text, through `b`. */
    const reads = (b: Pick<Buffer, 'readUInt16LE' | 'readUInt32LE' | 'readInt32LE' | 'readBigUInt64LE' | 'toString' | 'subarray'>): string[] => {
      const out: string[] = [];
      for (const pos of positions) {
        if (pos < 0) continue;
        if (pos + 2 <= hive.length) out.push(`${pos} u16 ${b.readUInt16LE(pos)}`);
        if (pos + 4 <= hive.length) out.push(`${pos} u32 ${b.readUInt32LE(pos)} i32 ${b.readInt32LE(pos)}`);
        if (pos + 8 <= hive.length) out.push(`${pos} u64 ${b.readBigUInt64LE(pos)}`);
        for (const len of [0, 1, 2, 7, 30, 300]) {
          out.push(`${pos}+${len} ${b.toString('latin1', pos, pos + len)} ${b.toString('utf16le', pos, pos + len)} ${b.subarray(pos, pos + len).toString('hex')}`);
        }
      }
      return out;
    };
    const expected = reads(hive);
    expect(expected.length).toBeGreaterThan(2000);
    expect(reads(paged)).toEqual(expected);
  });

  test('out of the hive: numbers throw as a Buffer does, strings and slices clamp', () => {
    const paged = new PagedHive(bufferSource(hive), TINY);
    for (const pos of [-1, hive.length - 3, hive.length, hive.length + 100, 1.5]) {
      expect(() => paged.readUInt32LE(pos)).toThrow(RangeError);
      expect(() => hive.readUInt32LE(pos)).toThrow(/out of range/); // Node's own RangeError, from another realm under jest
    }
    expect(paged.toString('latin1', hive.length - 4, hive.length + 50)).toBe(hive.toString('latin1', hive.length - 4, hive.length + 50));
    expect(paged.subarray(-5, 4).equals(hive.subarray(0, 4))).toBe(true);
    expect(paged.subarray(hive.length + 1, hive.length + 9).length).toBe(0);
  });

  test('a slice is a copy: a value record never keeps a page alive', () => {
    const paged = new PagedHive(bufferSource(hive));
    const slice = paged.subarray(0, 4);
    expect(slice.toString('latin1')).toBe('regf');
    expect(slice.buffer === hive.buffer).toBe(false);
  });

  test('a file that shrank after it was opened is an error, not zeros', () => {
    const shrunk: ByteSource = { size: hive.length, name: 'hive', read: (pos, len) => hive.subarray(pos, Math.min(pos + len, 1000)) };
    expect(() => new PagedHive(shrunk, TINY).readUInt32LE(2000)).toThrow(/shrank/);
  });
});

describe('the walk over a ByteSource equals the walk over the Buffer', () => {
  test('generated hive of 3,000 keys with big-data values: default and tiny caches', () => {
    const hive: Buffer = writeHive(tree(3000));
    const whole = dump(walkHive(hive));
    expect(whole.length).toBeGreaterThan(12_000);
    expect(dump(walkHive(bufferSource(hive)))).toEqual(whole);
    expect(dump(walkHive(bufferSource(hive), TINY))).toEqual(whole);
  });

  test('reads are page-sized and the first key comes out before the hive is read', () => {
    const hive: Buffer = writeHive(tree(8_000));
    const { src, reads } = counting(hive);
    const records = regfParser.stream!(src, ctx('NTUSER.DAT', hive.length), []);
    const it = records[Symbol.iterator]();
    expect(it.next().value).toMatchObject({ type: 'registry-hive' });
    expect(it.next().value).toMatchObject({ type: 'registry-key', key: '' });
    const readBeforeFirstKey = reads.reduce((a, b) => a + b, 0);
    expect(hive.length).toBeGreaterThan(2 * 1024 * 1024);
    expect(readBeforeFirstKey).toBeLessThan(hive.length / 20);
    let n = 2;
    for (let r = it.next(); !r.done; r = it.next()) n++;
    expect(n).toBe(1 + 2 + 8_000 + 3 * 8_000 + 16); // header, ROOT and Software, the leaves, their values, 16 Big values
    expect(Math.max(...reads.slice(1))).toBeLessThanOrEqual(64 * 1024);
  });
});

describeIf(corpusAvailable(), CORPUS_MISSING)('corpus hives: paged walk equals the Buffer walk', () => {
  test('every regf file, default and tiny caches (24-byte pages up to 256 KiB, 4 KiB pages above)', () => {
    let hives = 0;
    for (const rel of corpusHives()) {
      const buf = readFileSync(corpusPath('regf', rel));
      if (buf.toString('latin1', 0, 4) !== 'regf') continue;
      hives++;
      const whole = dump(walkHive(buf));
      expect({ rel, items: dump(walkHive(bufferSource(buf))) }).toEqual({ rel, items: whole });
      const small = buf.length <= 256 * 1024 ? TINY : { pageBytes: 4096, maxPages: 2 };
      expect({ rel, items: dump(walkHive(bufferSource(buf), small)) }).toEqual({ rel, items: whole });
    }
    expect(hives).toBeGreaterThan(10);
  });

  test('stream yields the records and warnings parse returns (damaged and dirty hives included, logs beside)', async () => {
    let warned = 0;
    for (const rel of corpusHives()) {
      const buf = readFileSync(corpusPath('regf', rel));
      if (buf.toString('latin1', 0, 4) !== 'regf') continue;
      const c = { ...ctx('NTUSER.DAT', buf.length), siblings: [{ name: 'NTUSER.DAT.LOG1', isDirectory: false, size: 1 }] };
      const parsed = await parseRegf(bufferSource(buf), c);
      const warnings: string[] = [];
      const streamed = dump(streamRegf(bufferSource(buf), c, warnings));
      expect({ rel, records: streamed, warnings }).toEqual({ rel, records: dump(parsed!.records), warnings: parsed!.warnings });
      if (warnings.length > 0) warned++;
    }
    expect(warned).toBeGreaterThan(0);
  });
});
