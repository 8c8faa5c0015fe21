import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { bufferSource } from '../../../src/util/byte-source.js';
import { offsetSource, overlayFromHead, peOverlayOffset } from '../../../src/artifacts/sevenzip/sfx.js';
import { parseSevenZip } from '../../../src/artifacts/sevenzip/parse.js';
import { parseRar } from '../../../src/artifacts/rar/parse.js';
import { sevenZipParser } from '../../../src/artifacts/sevenzip/index.js';
import { rarParser } from '../../../src/artifacts/rar/index.js';
import { corpusAvailable, corpusPath, CORPUS_MISSING, testIf } from '../../helpers/corpus.js';
import { makePlain7z, makeRar4, makeRar5, makeSfx } from '../../../fixtures/lib/sevenzip-rar-writers.mjs';

const FILES = [
  { name: 'a.txt', size: 40 },
  { name: 'b.kdbx', size: 40, encrypted: true },
];
const ctx = (name: string, buf: Buffer) => ({ relPath: name, name, head: buf.subarray(0, 4100), size: buf.length, format: null });

describe('self-extracting 7z and RAR (PE stub + archive in the overlay)', () => {
  test('PE overlay offset from the section table', () => {
    const sfx = makeSfx(Buffer.from('appended')) as Buffer;
    expect(peOverlayOffset(bufferSource(sfx))).toBe(0x400);
    expect(overlayFromHead(sfx.subarray(0, 4100), sfx.length)).toBe(0x400);
    const noOverlay = sfx.subarray(0, 0x400);
    expect(peOverlayOffset(bufferSource(noOverlay))).toBeNull();
    expect(offsetSource(bufferSource(sfx), 0x400).read(0, 8).toString()).toBe('appended');
  });

  test('7z SFX: listed, marked self-extracting; the RAR parser declines it', () => {
    const sfx = makeSfx(makePlain7z({ files: FILES })) as Buffer;
    const r = parseSevenZip(bufferSource(sfx), 'setup.exe')!;
    expect(r.warnings).toEqual([]);
    expect(r.summary).toMatchObject({ selfExtracting: true, entryCount: 2, encryptedEntryCount: 1 });
    expect(r.summary.fields.sfxOffset).toBe(0x400);
    expect(parseRar(bufferSource(sfx), 'setup.exe')).toBeNull();
    expect(sevenZipParser.matches(ctx('setup.exe', sfx))).toBe(true);
  });

  test.each([
    ['RAR 4', makeRar4],
    ['RAR 5', makeRar5],
  ] as const)('%s SFX: listed, marked self-extracting; the 7z parser declines it', (_l, make) => {
    const sfx = makeSfx(make({ files: FILES })) as Buffer;
    const r = parseRar(bufferSource(sfx), 'update.exe')!;
    expect(r.warnings).toEqual([]);
    expect(r.summary).toMatchObject({ selfExtracting: true, entryCount: 2, encryptedEntryCount: 1 });
    expect(parseSevenZip(bufferSource(sfx), 'update.exe')).toBeNull();
    expect(rarParser.matches(ctx('update.exe', sfx))).toBe(true);
  });

  test('a PE without an overlay is not probed; damaged PE headers are declined', () => {
    const bare = makeSfx(Buffer.alloc(0)) as Buffer;
    expect(sevenZipParser.matches(ctx('x.exe', bare))).toBe(false);
    expect(rarParser.matches(ctx('x.exe', bare))).toBe(false);
    const bad = Buffer.from(makeSfx(Buffer.from('junk')) as Buffer);
    bad.writeUInt32LE(0xfffffff0, 0x3c);
    expect(peOverlayOffset(bufferSource(bad))).toBeNull();
    bad.writeUInt32LE(0x40, 0x3c);
    bad.writeUInt16LE(5000, 0x46);
    expect(peOverlayOffset(bufferSource(bad))).toBeNull();
  });

  test('a signed PE: the certificate table is skipped, so only data after it counts', () => {
    const signed = (tail: Buffer) => {
      const cert = Buffer.alloc(0x100, 0x30);
      const buf = makeSfx(Buffer.concat([cert, tail])) as Buffer;
      buf.writeUInt32LE(0x400, 0x58 + 0x60 + 32); // security directory: file offset
      buf.writeUInt32LE(cert.length, 0x58 + 0x60 + 36); // and size
      return buf;
    };
    const plainSigned = signed(Buffer.alloc(0));
    expect(overlayFromHead(plainSigned.subarray(0, 4100), plainSigned.length)).toBeNull();
    expect(sevenZipParser.matches(ctx('signed.exe', plainSigned))).toBe(false);
    const signedSfx = signed(makePlain7z({ files: FILES }) as Buffer);
    expect(parseSevenZip(bufferSource(signedSfx), 'signed.exe')!.summary.fields.sfxOffset).toBe(0x500);
  });

  testIf(corpusAvailable(), CORPUS_MISSING)('the corpus ZIP SFX is left to the ZIP parser', () => {
    const buf = readFileSync(corpusPath('archives/libarchive/test_read_format_zip_sfx.exe'));
    expect(parseSevenZip(bufferSource(buf), 'x.exe')).toBeNull();
    expect(parseRar(bufferSource(buf), 'x.exe')).toBeNull();
  });
});
