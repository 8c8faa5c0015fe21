/**
 * RAR's own compression decoded (src/artifacts/rar/unpack5.ts, unpack29.ts, filters.ts), through the
 * member reader as the YARA rules and the nested-archive listing use it: the corpus's compressed RAR
 * members are what bsdtar extracts, byte for byte; a solid run (its files made from the corpus's real
 * packed data) is what bsdtar extracts in any order of asking; a cut stream gives an exact start of
 * the file, said damaged; flipped bytes never throw; the filters undo what their forward transforms
 * (written here from the same description) do.
 *
 * No RAR compressor is used or written (RAR's compression is RARLAB's; the writers in fixtures/lib
 * only wrap data a real RAR packed).
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { archiveMembers, type MemberBounds, type MemberBytes } from '../../../src/artifacts/archive/members.js';
import { parseRar } from '../../../src/artifacts/rar/parse.js';
import { applyRarFilter, exactOfCutSpan, type RarFilter } from '../../../src/artifacts/rar/filters.js';
import type { RarEntry } from '../../../src/artifacts/rar/common.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { corpusAvailable, corpusPath, CORPUS_MISSING, testIf, toolAvailable, toolMissing } from '../../helpers/corpus.js';
import { prng } from '../../helpers/random.js';
import { makeRar5 } from '../../../fixtures/lib/sevenzip-rar-writers.mjs';

const BOUNDS: MemberBounds = { maxMembers: 100, maxMemberBytes: 64 << 20, maxTotalBytes: 64 << 20, packages: false };
const ready = corpusAvailable() && toolAvailable('bsdtar');
const reason = corpusAvailable() ? toolMissing('bsdtar') : CORPUS_MISSING;

/** Every member's result, loaded in the order given (default: as listed). */
function load(bytes: Buffer, order?: number[]): Map<string, MemberBytes> {
  const listing = archiveMembers(bufferSource(bytes), 'x.rar', BOUNDS)!;
  expect(listing.format).toBe('rar');
  const out = new Map<string, MemberBytes>();
  for (const i of order ?? listing.members.map((_, k) => k)) out.set(listing.members[i]!.path, listing.members[i]!.load());
  return out;
}

/** bsdtar's extraction of one member to stdout. */
const bsdtar = (file: string, member: string): Buffer => execFileSync('bsdtar', ['-xOf', file, member], { maxBuffer: 64 << 20 });

const bytesOf = (r: MemberBytes | undefined): Buffer => {
  if (!r?.ok) throw new Error(`not decoded: ${JSON.stringify(r)}`);
  return r.data;
};

/** The one file entry of a corpus RAR and its packed bytes. */
function packedOf(rel: string): { entry: RarEntry; packed: Buffer; bytes: Buffer } {
  const bytes = readFileSync(corpusPath('archives', rel));
  const entry = parseRar(bufferSource(bytes), 'x.rar')!.entries.find((e) => !e.isDirectory)!;
  return { entry, packed: bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize!), bytes };
}

describe('RAR compressed members against bsdtar', () => {
  testIf(ready, reason)('the corpus\'s compressed RAR members (RAR 2.9 LZ, RAR 5 "best") are what bsdtar extracts, checked against their CRC-32', () => {
    const cases = [
      { rel: 'file-type/fixture.rar', member: 'test.jpg', version: 29, size: 2248 },
      { rel: 'libarchive/test_read_format_rar5_compressed.rar', member: 'test.bin', version: 50, size: 1200 },
    ];
    for (const c of cases) {
      const file = corpusPath('archives', c.rel);
      const { entry } = packedOf(c.rel);
      expect({ rel: c.rel, method: entry.method !== 'store', version: entry.unpackVersion }).toEqual({ rel: c.rel, method: true, version: c.version });
      const got = load(readFileSync(file)).get(c.member)!;
      expect(got).toMatchObject({ ok: true });
      expect((got as { damaged?: string }).damaged).toBeUndefined();
      const ref = bsdtar(file, c.member);
      expect(ref.length).toBe(c.size);
      expect(bytesOf(got).equals(ref)).toBe(true);
    }
  });

  testIf(ready, reason)('a solid run: files continuing one stream decode in order, from any order of asking, as bsdtar extracts them; a stored file between them does not pass through the stream', () => {
    const { entry, packed } = packedOf('libarchive/test_read_format_rar5_compressed.rar');
    const dictionaryLog = Math.log2(entry.dictionaryBytes! / 0x20000);
    const compression = (5 << 7) | (dictionaryLog << 10);
    const spec = { data: packed, size: entry.size!, crc: entry.crc!, compression };
    const solid = { ...spec, compression: compression | 0x40 };
    const archive = makeRar5({
      solid: true,
      files: [
        { name: 'a.bin', packed: spec },
        { name: 'b.bin', packed: solid },
        { name: 'note.txt', data: Buffer.from('stored between the solid files\n') },
        { name: 'c.bin', packed: solid },
      ],
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stagehunt-rar-solid-'));
    try {
      const file = path.join(dir, 'solid.rar');
      writeFileSync(file, archive);
      const listed = parseRar(bufferSource(archive), 'solid.rar')!.entries.map((e) => [e.name, e.solid]);
      expect(listed).toEqual([['a.bin', false], ['b.bin', true], ['note.txt', false], ['c.bin', true]]);
      for (const order of [[0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2]]) {
        const got = load(archive, order);
        for (const name of ['a.bin', 'b.bin', 'note.txt', 'c.bin']) {
          expect({ order, name, same: bytesOf(got.get(name)).equals(bsdtar(file, name)), damaged: (got.get(name) as { damaged?: string }).damaged }).toEqual({ order, name, same: true, damaged: undefined });
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('damaged and cut RAR streams', () => {
  testIf(ready, reason)('a stream cut anywhere gives an exact start of the file (never a byte the packer did not write), said damaged', () => {
    for (const rel of ['file-type/fixture.rar', 'libarchive/test_read_format_rar5_compressed.rar']) {
      const { entry, packed, bytes } = packedOf(rel);
      const whole = bsdtar(corpusPath('archives', rel), entry.name);
      let partial = 0;
      for (let cut = 0; cut < packed.length; cut += 7) {
        // The archive ends `cut` bytes into the member's packed data.
        const got = load(bytes.subarray(0, entry.dataOffset + cut)).get(entry.name)!;
        if (!got.ok) continue;
        expect({ rel, cut, damaged: typeof got.damaged }).toEqual({ rel, cut, damaged: 'string' });
        expect({ rel, cut, prefix: whole.subarray(0, got.data.length).equals(got.data) }).toEqual({ rel, cut, prefix: true });
        if (got.data.length > 0) partial++;
      }
      expect(partial).toBeGreaterThan(10);
    }
  });

  testIf(corpusAvailable(), CORPUS_MISSING)('the first volume of a split RAR 5 gives the start of its member (an x86 ELF program, its call filter undone as far as it is exact)', () => {
    const got = load(readFileSync(corpusPath('archives', 'libarchive/test_read_format_rar5_multiarchive.part01.rar')));
    const [name, first] = [...got][0]!;
    expect(name).toBe('home/antek/temp/build/unrar5/libarchive/bin/bsdcat_test');
    expect(first).toMatchObject({ ok: true, damaged: expect.stringMatching(/^split across volumes: its first \d+ of 144608 bytes are in this volume$/) });
    const data = bytesOf(first);
    expect(data.length).toBeGreaterThan(40_000);
    expect(data.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
  });

  testIf(corpusAvailable(), CORPUS_MISSING)('libarchive\'s damaged RAR 5 streams (bad tables, a cut Huffman table) are said damaged, never thrown', () => {
    const bad = load(readFileSync(corpusPath('archives', 'libarchive/test_read_format_rar5_bad_tables.rar'))).get('bad_tables.txt')!;
    expect(bad).toMatchObject({ ok: true, damaged: expect.stringMatching(/undefined code/) });
    const listing = archiveMembers(bufferSource(readFileSync(corpusPath('archives', 'libarchive/test_read_format_rar5_truncated_huff.rar'))), 'x.rar', BOUNDS)!;
    for (const m of listing.members) expect(() => m.load()).not.toThrow();
  });

  testIf(corpusAvailable(), CORPUS_MISSING)('flipped bytes in compressed RAR 2.9 and RAR 5 archives never throw, and each load stays bounded', () => {
    const random = prng(56);
    for (const rel of ['file-type/fixture.rar', 'libarchive/test_read_format_rar5_compressed.rar', 'libarchive/test_read_format_rar5_multiarchive.part01.rar']) {
      const original = readFileSync(corpusPath('archives', rel));
      for (let k = 0; k < 150; k++) {
        const copy = Buffer.from(original);
        for (let f = 1 + Math.floor(random() * 6); f > 0; f--) copy[Math.floor(random() * copy.length)] ^= 1 << Math.floor(random() * 8);
        const listing = archiveMembers(bufferSource(copy), 'x.rar', BOUNDS);
        for (const m of listing?.members ?? []) {
          const r = m.load();
          if (r.ok) expect(r.data.length).toBeLessThanOrEqual(BOUNDS.maxMemberBytes);
        }
      }
    }
  });
});

describe('RAR filters', () => {
  const random = prng(7);
  const noise = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));

  /** The packer's side of the x86 filter, from the same description: relative call targets made absolute. */
  function x86Forward(data: Uint8Array, fileOffset: number, e9: boolean): Uint8Array {
    const out = Uint8Array.from(data);
    const view = new DataView(out.buffer);
    for (let pos = 0; pos + 4 < out.length; ) {
      const b = out[pos++]!;
      if (b !== 0xe8 && !(e9 && b === 0xe9)) continue;
      const offset = pos + fileOffset;
      const rel = view.getInt32(pos, true);
      if (rel >= -offset && rel < 0x1000000 - offset) view.setUint32(pos, (rel + offset) >>> 0, true);
      else if (rel >= 0x1000000 - offset && rel < 0x1000000) view.setUint32(pos, (rel - 0x1000000) >>> 0, true);
      pos += 4;
    }
    return out;
  }

  test('x86 calls (E8, and E9 jumps): what the packer made absolute comes back relative, at any file offset', () => {
    for (const fileOffset of [0, 4096, 0xfff000]) {
      const code = noise(20_000);
      // Calls whose targets land inside the program, before it, and far away.
      for (let at = 0; at + 5 < code.length; at += 37) {
        code[at] = at % 2 ? 0xe8 : 0xe9;
        new DataView(code.buffer).setInt32(at + 1, Math.floor((random() - 0.5) * 40_000), true);
      }
      for (const e9 of [false, true]) {
        const packed = x86Forward(code, fileOffset, e9);
        expect(Buffer.from(packed).equals(Buffer.from(code))).toBe(false);
        const back = applyRarFilter({ kind: 'e8', e9, wrap: false }, Uint8Array.from(packed), fileOffset);
        expect(Buffer.from(back).equals(Buffer.from(code))).toBe(true);
      }
    }
  });

  test('delta: channels stored one after another as differences come back interleaved', () => {
    const data = noise(3001);
    for (const channels of [1, 3, 4, 32]) {
      // The packer's side: each channel's bytes, as differences from the one before (0 before the first).
      const packed: number[] = [];
      for (let c = 0; c < channels; c++) {
        let prev = 0;
        for (let at = c; at < data.length; at += channels) {
          packed.push((prev - data[at]!) & 0xff);
          prev = data[at]!;
        }
      }
      const back = applyRarFilter({ kind: 'delta', channels }, Uint8Array.from(packed), 0);
      expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
    }
  });

  test('ARM BL instructions: word offsets made absolute come back relative; other words are left alone', () => {
    const code = noise(8192);
    for (let at = 0; at < code.length; at += 4) if (random() < 0.3) code[at + 3] = 0xeb;
    const fileOffset = 0x2000;
    const packed = Uint8Array.from(code);
    for (let at = 0; at + 3 < packed.length; at += 4) {
      if (packed[at + 3] !== 0xeb) continue;
      const offset = (packed[at]! | (packed[at + 1]! << 8) | (packed[at + 2]! << 16)) + (fileOffset + at) / 4;
      packed[at] = offset & 0xff;
      packed[at + 1] = (offset >>> 8) & 0xff;
      packed[at + 2] = (offset >>> 16) & 0xff;
    }
    const back = applyRarFilter({ kind: 'arm' }, packed, fileOffset);
    expect(Buffer.from(back).equals(Buffer.from(code))).toBe(true);
  });

  test('a cut span: the x86 and ARM transforms are exact but for a last instruction that lost its operand; the others not at all', () => {
    const cases: Array<[RarFilter, number, number]> = [
      [{ kind: 'e8', e9: true, wrap: true }, 100, 96],
      [{ kind: 'arm' }, 102, 100],
      [{ kind: 'delta', channels: 4 }, 100, 0],
      [{ kind: 'audio', channels: 2 }, 100, 0],
      [{ kind: 'e8', e9: false, wrap: false }, 3, 0],
    ];
    for (const [filter, available, exact] of cases) expect(exactOfCutSpan(filter, available)).toBe(exact);
  });

  test('RGB: pixels stored as differences from their Paeth prediction, green taken out of red and blue, come back whole', () => {
    const width = 3 * 20;
    const pixels = noise(width * 12);
    for (const posR of [0, 1, 2]) {
      // The packer's side: green taken out, then each channel's differences from the prediction over what the unpacker will have.
      const mid = Uint8Array.from(pixels);
      for (let at = posR; at + 2 < mid.length; at += 3) {
        mid[at] = (mid[at]! - mid[at + 1]!) & 0xff;
        mid[at + 2] = (mid[at + 2]! - mid[at + 1]!) & 0xff;
      }
      const packed: number[] = [];
      for (let c = 0; c < 3; c++) {
        let prev = 0;
        for (let at = c; at < mid.length; at += 3) {
          let predicted = prev;
          if (at - width >= 3) {
            const up = mid[at - width]!;
            const upLeft = mid[at - width - 3]!;
            const p = prev + up - upLeft;
            const [pa, pb, pc] = [Math.abs(p - prev), Math.abs(p - up), Math.abs(p - upLeft)];
            predicted = pa <= pb && pa <= pc ? prev : pb <= pc ? up : upLeft;
          }
          packed.push((predicted - mid[at]!) & 0xff);
          prev = mid[at]!;
        }
      }
      const back = applyRarFilter({ kind: 'rgb', width, posR }, Uint8Array.from(packed), 0);
      expect(Buffer.from(back).equals(Buffer.from(pixels))).toBe(true);
    }
  });

  test('audio keeps its length and is deterministic (no archive in reach uses it: its predictor is unrar\'s as described)', () => {
    const data = noise(3 * 100);
    const a = applyRarFilter({ kind: 'audio', channels: 2 }, Uint8Array.from(data), 0);
    expect(a.length).toBe(data.length);
    expect(Buffer.from(a).equals(Buffer.from(applyRarFilter({ kind: 'audio', channels: 2 }, Uint8Array.from(data), 0)))).toBe(true);
  });
});

describe('what a member that is not decoded says', () => {
  test('an entry with no packed data for its bytes is damaged', () => {
    const archive = makeRar5({ files: [{ name: 'empty.bin', packed: { data: Buffer.alloc(0), size: 10, crc: 0, compression: 3 << 7 } }] });
    const got = load(archive).get('empty.bin')!;
    expect(got).toEqual({ ok: false, why: 'damaged', detail: 'no packed data for its 10 bytes' });
  });
});
