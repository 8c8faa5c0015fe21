import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { bufferSource } from '../../../src/util/byte-source.js';
import { LIMITS } from '../../../src/util/limits.js';
import { parseSevenZip } from '../../../src/artifacts/sevenzip/parse.js';
import { corpusAvailable, corpusPath, toolAvailable, CORPUS_MISSING, describeIf, testIf, toolMissing } from '../../helpers/corpus.js';
import { archivesSummary, sevenZzEntries } from './corpus-expected.js';
import { makeEncryptedHeader7z, makePlain7z, pseudoRandom, sevenZipNumber, splitVolumes } from '../../../fixtures/lib/sevenzip-rar-writers.mjs';

const parse = (buf: Buffer, name = 'test.7z') => parseSevenZip(bufferSource(buf), name);

const FILES = [
  { name: 'Documents/report.docx', size: 300 },
  { name: 'Documents/secret.kdbx', size: 500, encrypted: true },
  { name: 'Documents', directory: true },
  { name: 'empty.txt', size: 0 },
];

describeIf(corpusAvailable(), CORPUS_MISSING)('7z corpus conformance (ARCHIVES_SUMMARY + 7zz -slt)', () => {
  const rows = archivesSummary().filter((r) => r.structural?.includes('7z_signature'));

  test('the corpus has the expected 7z files', () => {
    expect(rows.length).toBeGreaterThanOrEqual(9);
  });

  test.each(rows.map((r) => [r.file!, r] as const))('%s', (file, row) => {
    const r = parse(readFileSync(corpusPath('archives', file)), path.basename(file))!;
    expect(r).not.toBeNull();
    expect(r.summary.format).toBe('7z');
    expect(r.summary.headersEncrypted).toBe(row.headers_encrypted === 'True');
    if (row.headers_encrypted === 'True') {
      expect(r.summary.entryCount).toBeNull();
      expect(r.summary.encryption).toContain('7z-aes');
      return;
    }
    if (row.rc_7zz !== '0') {
      // 7zz refuses it (entries_oom): we must not invent a listing either.
      expect(r.summary.entryCount).toBeNull();
      expect(r.warnings.length).toBeGreaterThan(0);
      expect(r.corrupted).toBe(true);
      return;
    }
    expect(r.warnings).toEqual([]);
    expect(r.summary.entryCount).toBe(Number(row.entries_7zz));
    expect(r.summary.encryptedEntryCount).toBe(Number(row.enc_entries_7zz));
    const ref = sevenZzEntries(file);
    expect(r.entries.map((e) => [e.name, e.size, e.encrypted, e.isDirectory, e.modified])).toEqual(
      ref.map((e) => [e.name, e.size, e.encrypted, e.isDirectory, e.modified]),
    );
  });
});

describe('7z built by the fixture writers', () => {
  test('plain header: entries, sizes, encryption, directories, times', () => {
    const r = parse(makePlain7z({ files: FILES }))!;
    expect(r.warnings).toEqual([]);
    expect(r.summary).toMatchObject({ entryCount: 4, encryptedEntryCount: 1, headersEncrypted: false, encryption: ['7z-aes'], volume: null });
    expect(r.entries.map((e) => [e.name, e.size, e.encrypted, e.isDirectory])).toEqual([
      ['Documents/report.docx', 300, false, false],
      ['Documents/secret.kdbx', 500, true, false],
      ['Documents', 0, false, true],
      ['empty.txt', 0, false, false],
    ]);
    expect(r.entries[0]!.modified).toBe('2024-03-01T10:00:00.0000000Z');
  });

  testIf(toolAvailable('7zz'), toolMissing('7zz'))('7zz agrees with the writer output', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stagehunt-7z-'));
    try {
      const plain = path.join(dir, 'plain.7z');
      writeFileSync(plain, makePlain7z({ files: FILES }));
      const out = execFileSync('7zz', ['l', '-slt', '-pX', plain], { encoding: 'utf8' });
      expect(out).toContain('Path = Documents/secret.kdbx');
      expect(out.match(/Encrypted = \+/g)?.length).toBe(1);
      const enc = path.join(dir, 'hidden.7z');
      writeFileSync(enc, makeEncryptedHeader7z());
      let failed = '';
      try {
        execFileSync('7zz', ['l', '-slt', '-pX', enc], { encoding: 'utf8', stdio: 'pipe' });
      } catch (e) {
        failed = String((e as { stdout?: string }).stdout) + String((e as { stderr?: string }).stderr);
      }
      expect(failed).toMatch(/encrypted|password/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('encrypted header (-mhe=on): headers encrypted, no list, no warning', () => {
    const r = parse(makeEncryptedHeader7z())!;
    expect(r.warnings).toEqual([]);
    expect(r.corrupted).toBe(false);
    expect(r.summary).toMatchObject({ headersEncrypted: true, entryCount: null, encryptedEntryCount: null, encryption: ['7z-aes'] });
    expect(r.summary.fields.headerCoders).toBe('LZMA 7zAES');
  });

  test('split volumes: .7z.001 has the signature, .7z.002 is recognised by name', () => {
    const parts = splitVolumes(makePlain7z({ files: FILES }), 200) as Buffer[];
    expect(parts.length).toBeGreaterThan(2);
    const first = parse(parts[0]!, 'loot.7z.001')!;
    expect(first.summary.volume).toEqual({ index: 0, multiVolume: true });
    expect(first.summary.entryCount).toBeNull();
    expect(first.corrupted).toBe(false);
    expect(first.warnings.join()).toMatch(/later volume/);
    const second = parse(parts[1]!, 'loot.7z.002')!;
    expect(second.summary.volume).toEqual({ index: 1, multiVolume: true });
    expect(second.summary.fields.continuationVolume).toBe(true);
    expect(parse(parts[1]!, 'loot.bin')).toBeNull();
  });
});

describe('7z written by 7zz itself (test-made data in a temp dir)', () => {
  testIf(toolAvailable('7zz'), toolMissing('7zz'))('solid LZMA header, -mhe=on and -v split volumes', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stagehunt-7zz-'));
    try {
      const src = path.join(dir, 'd');
      mkdirSync(src);
      for (let i = 0; i < 300; i++) writeFileSync(path.join(src, `f${i}.txt`), `file ${i}\n`);
      writeFileSync(path.join(src, 'big.bin'), pseudoRandom(120_000, 3));
      const run = (...args: string[]) => execFileSync('7zz', ['a', '-bd', ...args, 'd'], { cwd: dir, stdio: 'pipe' });
      run('-pX', '-mhe=off', 'enc.7z');
      run('-pX', '-mhe=on', 'hid.7z');
      run('-v50k', 'vol.7z');
      const enc = parse(readFileSync(path.join(dir, 'enc.7z')), 'enc.7z')!;
      expect(enc.warnings).toEqual([]);
      expect(enc.summary).toMatchObject({ entryCount: 302, encryptedEntryCount: 301, headersEncrypted: false });
      expect(enc.summary.fields.headerEncoded).toBe(true);
      const hid = parse(readFileSync(path.join(dir, 'hid.7z')), 'hid.7z')!;
      expect(hid.summary).toMatchObject({ entryCount: null, headersEncrypted: true });
      const first = parse(readFileSync(path.join(dir, 'vol.7z.001')), 'vol.7z.001')!;
      expect(first.summary.volume).toEqual({ index: 0, multiVolume: true });
      expect(first.summary.fields.headerInLaterVolume).toBe(true);
      const third = parse(readFileSync(path.join(dir, 'vol.7z.003')), 'vol.7z.003')!;
      expect(third.summary.volume).toEqual({ index: 2, multiVolume: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A header: kHeader + body bytes, wrapped in a valid signature header. */
function withHeader(header: Buffer, data = Buffer.alloc(0)): Buffer {
  const fields = Buffer.alloc(20);
  fields.writeBigUInt64LE(BigInt(data.length), 0);
  fields.writeBigUInt64LE(BigInt(header.length), 8);
  fields.writeUInt32LE(crc32(header), 16);
  const sig = Buffer.concat([Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]), Buffer.alloc(4), fields]);
  sig.writeUInt32LE(crc32(fields), 8);
  return Buffer.concat([sig, data, header]);
}
const n = (v: number) => sevenZipNumber(v) as Buffer;

describe('7z hostile input: warnings, bounded, never a throw', () => {
  test('every truncation of a valid archive', () => {
    const full = makePlain7z({ files: FILES }) as Buffer;
    for (let len = 0; len < full.length; len += 7) {
      const r = parse(full.subarray(0, len));
      if (len < 6) expect(r).toBeNull();
      else expect(r!.warnings.length).toBeGreaterThan(0);
    }
  });

  test('next header offset far beyond the file', () => {
    const buf = Buffer.from(makePlain7z({ files: FILES }));
    buf.writeBigUInt64LE(1n << 60n, 0x0c);
    const r = parse(buf)!;
    expect(r.warnings.join()).toMatch(/start header CRC|beyond the end/);
    expect(r.summary.entryCount).toBeNull();
    expect(r.corrupted).toBe(true);
  });

  test('damaged header bytes give a CRC warning', () => {
    const buf = Buffer.from(makePlain7z({ files: FILES }));
    buf[buf.length - 20] ^= 0xff;
    const r = parse(buf)!;
    expect(r.warnings.join()).toMatch(/CRC mismatch/);
    expect(r.corrupted).toBe(true);
  });

  test('a billion declared files: listing capped by what the header has room for (no amplification)', () => {
    const r = parse(withHeader(Buffer.concat([Buffer.from([0x01, 0x05]), n(1e9), Buffer.from([0x00, 0x00])])))!;
    expect(r.entries.length).toBeLessThan(16);
    expect(r.entries.length).toBeLessThanOrEqual(LIMITS.maxArchiveEntries);
    expect(r.summary.truncated).toBe(true);
    expect(r.warnings.join()).toMatch(/declares 1000000000 files/);
  });

  test('huge folder and pack stream counts', () => {
    const folders = Buffer.concat([Buffer.from([0x01, 0x04, 0x07, 0x0b]), n(2 ** 40), Buffer.from([0x00, 0x01, 0x00])]);
    const packs = Buffer.concat([Buffer.from([0x01, 0x04, 0x06, 0x00]), n(2 ** 45), Buffer.from([0x09, 0x01, 0x00])]);
    for (const h of [folders, packs]) {
      const r = parse(withHeader(h))!;
      expect(r.warnings.join()).toMatch(/exceeds/);
      expect(r.corrupted).toBe(true);
    }
  });

  test('an encoded header that unpacks to itself stops at the nesting limit', () => {
    // kEncodedHeader: pack stream at 0 of size L, Copy coder, unpack size L: decodes to itself.
    const build = (len: number) =>
      Buffer.concat([Buffer.from([0x17, 0x06, 0x00, 0x01, 0x09]), n(len), Buffer.from([0x00, 0x07, 0x0b, 0x01, 0x00, 0x01, 0x01, 0x00, 0x0c]), n(len), Buffer.from([0x00, 0x00])]);
    const self = build(build(0).length);
    const r = parse(withHeader(self, self))!;
    expect(r.warnings.join()).toMatch(/nested deeper/);
    expect(r.summary.entryCount).toBeNull();
  });

  test('claimed header sizes beyond the cap are not read', () => {
    const buf = Buffer.from(makePlain7z({ files: FILES }));
    buf.writeBigUInt64LE(1n << 40n, 0x14);
    const fields = buf.subarray(0x0c, 0x20);
    buf.writeUInt32LE(crc32(fields), 0x08);
    const r = parse(buf)!;
    expect(r.warnings.join()).toMatch(/exceeds the 16777216-byte limit/);
    expect(r.summary.truncated).toBe(true);
  });

  testIf(corpusAvailable(), CORPUS_MISSING)('random corruption of real LZMA-packed headers never throws', () => {
    const bases = ['file-type/fixture.7z', 'libarchive/test_read_format_7zip_zstd.7z', 'libarchive/test_read_format_7zip_encryption_partially.7z'].map((f) =>
      readFileSync(corpusPath('archives', f)),
    );
    const noise = pseudoRandom(4096, 5) as Buffer;
    let k = 0;
    for (const base of bases) {
      for (let i = 0; i < 300; i++) {
        const buf = Buffer.from(base);
        for (let j = 0; j < 1 + (i % 4); j++) {
          const at = 12 + (noise[k++ % noise.length]! * 257 + i * 31) % (buf.length - 12);
          buf[at] = noise[k++ % noise.length]!;
        }
        const r = parse(buf)!;
        expect(r.summary.format).toBe('7z');
        expect(r.entries.length).toBeLessThanOrEqual(LIMITS.maxArchiveEntries);
      }
    }
  });
});
