import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { bufferSource } from '../../../src/util/byte-source.js';
import { LIMITS } from '../../../src/util/limits.js';
import { parseRar } from '../../../src/artifacts/rar/parse.js';
import { corpusAvailable, corpusPath, toolAvailable, CORPUS_MISSING, describeIf, testIf, toolMissing } from '../../helpers/corpus.js';
import { archivesSummary, bsdtarEntries, lsarEntries } from '../sevenzip/corpus-expected.js';
import { makeRar4, makeRar5, pseudoRandom, rarVint } from '../../../fixtures/lib/sevenzip-rar-writers.mjs';

const parse = (buf: Buffer, name = 'test.rar') => parseRar(bufferSource(buf), name);

const FILES = [
  { name: 'Users/alice/Documents/budget.xlsx', size: 120 },
  { name: 'Users/alice/Documents/passwords.kdbx', size: 64, encrypted: true },
  { name: 'Users/alice/Documents', directory: true },
  { name: 'Users/bob/Desktop/Привет.txt', size: 10 },
];

describeIf(corpusAvailable(), CORPUS_MISSING)('RAR corpus conformance (ARCHIVES_SUMMARY + lsar -j / bsdtar -tv)', () => {
  const rows = archivesSummary().filter((r) => /\.rar$/.test(r.file!));

  test('the corpus has the expected RAR files', () => {
    expect(rows.length).toBe(13);
  });

  test.each(rows.map((r) => [r.file!, r] as const))('%s', (file, row) => {
    const r = parse(readFileSync(corpusPath('archives', file)), path.basename(file))!;
    expect(r).not.toBeNull();
    expect(r.summary.format).toBe('rar');
    expect(r.summary.headersEncrypted).toBe(row.headers_encrypted === 'True');
    if (row.headers_encrypted === 'True') {
      expect(r.summary.entryCount).toBeNull();
      expect(r.summary.encryption.length).toBe(1);
      expect(r.warnings).toEqual([]);
      return;
    }
    const lsar = lsarEntries(file) ?? [];
    const bsdtar = bsdtarEntries(file);
    if (lsar.length > 0) {
      // lsar lists every entry with its encryption flag (bsdtar stops at the first encrypted solid one).
      expect(r.entries.map((e) => [e.name, e.size, e.encrypted, e.isDirectory])).toEqual(lsar.map((e) => [e.name, e.size, e.encrypted, e.isDirectory]));
      expect(r.summary.encryptedEntryCount).toBe(Number(row.enc_entries_lsar));
    } else {
      // lsar gave up (first volume of a set, or a damaged header): bsdtar is the reference.
      expect(r.entries.map((e) => [e.name, e.size])).toEqual(bsdtar.map((e) => [e.name, e.size]));
    }
    if (row.rc_lsar === '0' || row.rc_bsdtar === '0') expect(r.warnings).toEqual([]);
    else expect(r.warnings.length).toBeGreaterThan(0);
  });

  test('first volume of a RAR 5 set: volume flags and the split entry', () => {
    const r = parse(readFileSync(corpusPath('archives/libarchive/test_read_format_rar5_multiarchive.part01.rar')), 'test_read_format_rar5_multiarchive.part01.rar')!;
    expect(r.summary.volume).toEqual({ index: 0, multiVolume: true });
    expect(r.entries[0]!.splitAfter).toBe(true);
    expect(r.summary.fields.services).toEqual(['QO']);
  });
});

describe('RAR built by the fixture writers', () => {
  test.each([
    ['RAR 4', makeRar4, 4],
    ['RAR 5', makeRar5, 5],
  ] as const)('%s: entries, encryption, directories, times, flags', (_label, make, version) => {
    const r = parse(make({ files: FILES, solid: true, locked: true, recovery: true }))!;
    expect(r.warnings).toEqual([]);
    expect(r.summary).toMatchObject({ entryCount: 4, encryptedEntryCount: 1, headersEncrypted: false, volume: null });
    expect(r.summary.encryption).toEqual([version === 5 ? 'rar5-aes' : 'rar4-aes']);
    expect(r.entries.map((e) => [e.name, e.size, e.encrypted, e.isDirectory])).toEqual(
      FILES.map((f) => [f.name, f.directory ? 0 : f.size, f.encrypted === true, f.directory === true]),
    );
    expect(r.entries[0]!.modified).toMatch(/^2024-03-01T10:00:00/);
    expect(r.summary.fields).toMatchObject({ rarVersion: version, solid: true, recovery: true, [version === 5 ? 'locked' : 'lock']: true });
  });

  test.each([
    ['RAR 4', makeRar4],
    ['RAR 5', makeRar5],
  ] as const)('%s: encrypted headers hide the list', (_label, make) => {
    const r = parse(make({ files: FILES, headersEncrypted: true }))!;
    expect(r.warnings).toEqual([]);
    expect(r.summary).toMatchObject({ headersEncrypted: true, entryCount: null, encryptedEntryCount: null });
  });

  testIf(toolAvailable('lsar'), toolMissing('lsar'))('lsar reads the writer output the same way', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stagehunt-rar-'));
    try {
      for (const [name, buf] of [
        ['four.rar', makeRar4({ files: FILES })],
        ['five.rar', makeRar5({ files: FILES })],
      ] as const) {
        writeFileSync(path.join(dir, name), buf);
        const json = JSON.parse(execFileSync('lsar', ['-j', path.join(dir, name)], { encoding: 'utf8' }));
        const listed = json.lsarContents.map((e: Record<string, unknown>) => [e.XADFileName, e.XADIsEncrypted === 1]);
        expect(listed).toEqual(parse(buf)!.entries.map((e) => [e.name, e.encrypted]));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('volume naming: .partN.rar, old style .rar/.rNN, RAR 5 volume number', () => {
    const v = (buf: Buffer, name: string) => parse(buf, name)!.summary.volume;
    expect(v(makeRar5({ files: FILES, volume: { index: 0 } }), 'loot.part1.rar')).toEqual({ index: 0, multiVolume: true });
    expect(v(makeRar5({ files: FILES, volume: { index: 2 } }), 'loot.part3.rar')).toEqual({ index: 2, multiVolume: true });
    expect(v(makeRar5({ files: FILES, volume: { index: 4 } }), 'renamed.bin')).toEqual({ index: 4, multiVolume: true });
    expect(v(makeRar4({ files: FILES, volume: { index: 0 } }), 'loot.rar')).toEqual({ index: 0, multiVolume: true });
    expect(v(makeRar4({ files: FILES, volume: { index: 1 } }), 'loot.r00')).toEqual({ index: 1, multiVolume: true });
    const middle = parse(makeRar4({ files: FILES, volume: { index: 1 } }), 'loot.r00')!;
    expect(middle.entries[0]!.splitBefore).toBe(true);
    expect(middle.entries.at(-1)!.splitAfter).toBe(true);
    expect(middle.summary.fields.splitEntries).toBe(2);
  });
});

describe('RAR hostile input: warnings, bounded, never a throw', () => {
  test.each([
    ['RAR 4', makeRar4],
    ['RAR 5', makeRar5],
  ] as const)('%s: every truncation', (_label, make) => {
    const full = make({ files: FILES }) as Buffer;
    for (let len = 0; len < full.length; len += 3) {
      const r = parse(full.subarray(0, len));
      if (len < 7) expect(r).toBeNull();
      else if (len > 8) expect(r!.warnings.length).toBeGreaterThan(0);
    }
  });

  test('RAR 5: data size far beyond the file, header size 0 and huge', () => {
    const sig = Buffer.from([0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x01, 0x00]);
    const block = (header: Buffer) => {
      const sized = Buffer.concat([rarVint(header.length), header]);
      const crc = Buffer.alloc(4);
      crc.writeUInt32LE(crc32(sized));
      return Buffer.concat([crc, sized]);
    };
    const bigData = block(Buffer.concat([rarVint(3), rarVint(2), rarVint(2 ** 50), rarVint(0), rarVint(0), rarVint(0), rarVint(0), rarVint(0), rarVint(0), rarVint(1), Buffer.from('x')]));
    const r1 = parse(Buffer.concat([sig, bigData]))!;
    expect(r1.warnings.join()).toMatch(/past the end/);
    const r2 = parse(Buffer.concat([sig, Buffer.from([0, 0, 0, 0, 0])]))!;
    expect(r2.warnings.join()).toMatch(/declares size 0/);
    const r3 = parse(Buffer.concat([sig, Buffer.from([0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f])]))!;
    expect(r3.warnings.join()).toMatch(/declares size/);
  });

  test('RAR 4: header size below 7 and a name longer than its header', () => {
    const buf = Buffer.from(makeRar4({ files: FILES }));
    const firstFile = 7 + 13;
    const bad = Buffer.from(buf);
    bad.writeUInt16LE(3, firstFile + 5);
    expect(parse(bad)!.warnings.join()).toMatch(/declares header size 3/);
    const longName = Buffer.from(buf);
    longName.writeUInt16LE(0xfff0, firstFile + 0x1a);
    const r = parse(longName)!;
    expect(r.warnings.join()).toMatch(/name runs past the header|CRC/);
    expect(r.corrupted).toBe(true);
  });

  test('more entries than the listing limit are cut with a warning', () => {
    const many = Array.from({ length: LIMITS.maxArchiveEntries + 5 }, (_, i) => ({ name: `f${i}`, size: 0 }));
    const r = parse(makeRar5({ files: many }))!;
    expect(r.entries.length).toBe(LIMITS.maxArchiveEntries);
    expect(r.summary.truncated).toBe(true);
    expect(r.warnings.join()).toMatch(/listing stopped/);
  });

  testIf(corpusAvailable(), CORPUS_MISSING)('random corruption of corpus RAR files never throws', () => {
    const files = ['file-type/fixture.rar', 'libarchive/test_read_format_rar.rar', 'libarchive/test_read_format_rar5_encrypted.rar', 'libarchive/test_read_format_rar5_multiarchive.part01.rar'];
    const noise = pseudoRandom(4096, 9) as Buffer;
    let k = 0;
    for (const f of files) {
      const base = readFileSync(corpusPath('archives', f));
      const span = Math.min(base.length, 600);
      for (let i = 0; i < 250; i++) {
        const buf = Buffer.from(base);
        for (let j = 0; j < 1 + (i % 3); j++) buf[8 + ((noise[k++ % 4096]! * 131 + i * 17) % (span - 8))] = noise[k++ % 4096]!;
        const r = parse(buf)!;
        expect(r.summary.format).toBe('rar');
      }
    }
  });
});

