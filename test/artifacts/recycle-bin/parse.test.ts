import { describe, expect, test } from '@jest/globals';
import { bufferSource } from '../../../src/util/byte-source.js';
import { parseDollarI } from '../../../src/artifacts/recycle-bin/dollar-i.js';
import { parseInfo2 } from '../../../src/artifacts/recycle-bin/info2.js';
import { dollarIParser, info2Parser } from '../../../src/artifacts/recycle-bin/index.js';
import { makeDollarI, makeInfo2 } from '../../../fixtures/lib/recyclebin-writers.mjs';

const src = (b: Buffer) => bufferSource(b);
const dirEntry = (name: string, isDirectory = false) => ({ name, isDirectory, size: 0 });

describe('$I', () => {
  test('v2 keeps the full 7-digit fraction and pairs with a $R directory', () => {
    const buf = makeDollarI({ version: 2, originalPath: 'C:\\Users\\Public\\d.part1.rar', size: 123456789, deletedAt: '2024-05-06T05:06:07.1234567Z' });
    const r = parseDollarI(src(buf), '$IAB12CD.rar', [dirEntry('$rab12cd.rar', true)])!;
    expect(r.record).toEqual({
      type: 'recycle-bin-entry',
      format: '$I v2',
      originalPath: 'C:\\Users\\Public\\d.part1.rar',
      size: 123456789,
      deletedAt: '2024-05-06T05:06:07.1234567Z',
      deletedAtFiletime: String((BigInt(Date.UTC(2024, 4, 6, 5, 6, 7) / 1000) + 11644473600n) * 10000000n + 1234567n),
      index: null,
      indexFile: '$IAB12CD.rar',
      dataFile: '$RAB12CD.rar',
      dataFileStatus: 'directory',
      pathInvalidUnicode: false,
    });
    expect(r.warnings).toEqual([]);
  });
  test('v1 fixed-width path, no extension, missing $R', () => {
    const r = parseDollarI(src(makeDollarI({ version: 1, originalPath: 'D:\\x', deletedAt: '2010-01-01T00:00:00Z' })), '$IQWERTY', [dirEntry('$IQWERTY')])!;
    expect([r.record.format, r.record.originalPath, r.record.dataFile, r.record.dataFileStatus]).toEqual(['$I v1', 'D:\\x', '$RQWERTY', 'missing']);
  });
  test('not a $I: wrong version or too short', () => {
    expect(parseDollarI(src(Buffer.alloc(600)), '$Ix')).toBeNull();
    expect(parseDollarI(src(Buffer.from([1, 0, 0])), '$Ix')).toBeNull();
  });
  test('v2 with a hostile path length is capped and flagged', () => {
    const buf = makeDollarI({ version: 2, originalPath: 'C:\\a', deletedAt: '2020-01-01T00:00:00Z' });
    buf.writeUInt32LE(0xffffffff, 24);
    const r = parseDollarI(src(buf), '$Ix')!;
    expect(r.corrupted).toBe(true);
    expect(r.record.originalPath).toBe('C:\\a');
    expect(r.warnings.join(' ')).toMatch(/exceeds 32767/);
  });
  test('every truncation of a v2 file parses without throwing', () => {
    const buf = makeDollarI({ version: 2, originalPath: 'C:\\Users\\a\\b.zip', deletedAt: '2020-01-01T00:00:00Z' });
    for (let n = 0; n < buf.length; n++) {
      const r = parseDollarI(src(buf.subarray(0, n)), '$Ix');
      if (n < 24) expect(r).toBeNull();
      else expect(r!.corrupted).toBe(true);
    }
  });
  test('zero and out-of-range FILETIME give null deletedAt and a warning', () => {
    const r = parseDollarI(src(makeDollarI({ originalPath: 'C:\\a', deletedAt: 0xffffffffffffffffn })), '$Ix')!;
    expect(r.record.deletedAt).toBeNull();
    expect(r.warnings.join(' ')).toMatch(/not a valid FILETIME/);
  });
  test('parser matches by name and head', () => {
    const buf = makeDollarI({ originalPath: 'C:\\a', deletedAt: '2020-01-01T00:00:00Z' });
    const ctx = { relPath: '$Recycle.Bin/S-1-5-21-1-2-3-1001/$IABC', name: '$IABC', head: buf, size: buf.length, format: null };
    expect(dollarIParser.matches(ctx)).toBe(true);
    expect(dollarIParser.matches({ ...ctx, name: 'IABC' })).toBe(false);
    expect(dollarIParser.matches({ ...ctx, head: Buffer.alloc(30) })).toBe(false);
  });
});

describe('INFO2', () => {
  test('800-byte records: Unicode path, gone flag, Dc data file name, UNC drive', async () => {
    const buf = makeInfo2([
      { originalPath: 'C:\\Documents and Settings\\bob\\My Documents\\loot.zip', index: 3, deletedAt: '2005-01-02T03:04:05.5Z', size: 4096 },
      { originalPath: 'C:\\x\\gone.doc', index: 4, deletedAt: '2005-01-02T03:04:06Z', gone: true },
      { originalPath: '\\\\srv\\share\\a.txt', index: 5, drive: 26, deletedAt: '2005-01-02T03:04:07Z' },
    ]);
    const ctx = { relPath: 'RECYCLER/S-1-5-21-1-2-3-1003/INFO2', name: 'INFO2', head: buf, size: buf.length, format: null, siblings: [dirEntry('Dc3.zip')] };
    expect(info2Parser.matches(ctx)).toBe(true);
    const res = (await info2Parser.parse(src(buf), ctx))!;
    expect(res.warnings).toEqual([]);
    expect(res.records.map((r) => [r.index, r.originalPath, r.gone, r.dataFile, r.dataFileStatus, r.deletedAt])).toEqual([
      [3, 'C:\\Documents and Settings\\bob\\My Documents\\loot.zip', false, 'Dc3.zip', 'file', '2005-01-02T03:04:05.5000000Z'],
      [4, 'C:\\x\\gone.doc', true, 'Dc4.doc', 'missing', '2005-01-02T03:04:06.0000000Z'],
      [5, '\\\\srv\\share\\a.txt', false, null, 'unknown', '2005-01-02T03:04:07.0000000Z'],
    ]);
    expect(res.records[1]!.ansiPath).toBe('C:\\x\\gone.doc');
  });
  test('280-byte ANSI records honour the code page option', () => {
    const sjis = Buffer.from([0x43, 0x3a, 0x5c, 0x83, 0x65, 0x83, 0x58, 0x83, 0x67, 0x2e, 0x74, 0x78, 0x74]); // C:\テスト.txt
    const buf = makeInfo2([{ originalPath: '', ansiPath: sjis, index: 1, deletedAt: '2001-01-01T00:00:00Z' }], { version: 4, recordSize: 280 });
    expect(parseInfo2(src(buf), { codepage: 'cp932' })!.records[0]!.originalPath).toBe('C:\\テスト.txt');
    expect(parseInfo2(src(buf), { codepage: 'cp1252' })!.records[0]!.originalPath).toBe('C:\\ƒeƒXƒg.txt');
    const unknown = parseInfo2(src(buf), { codepage: 'klingon' })!;
    expect(unknown.warnings.join(' ')).toMatch(/unknown code page/);
  });
  test('not INFO2 when the record size is neither 280 nor 800; every truncation is safe', () => {
    expect(parseInfo2(src(Buffer.alloc(20)))).toBeNull();
    const buf = makeInfo2([{ originalPath: 'C:\\a.zip', index: 1, deletedAt: '2003-01-01T00:00:00Z' }]);
    for (let n = 0; n < buf.length; n += 37) {
      const r = parseInfo2(src(buf.subarray(0, n)));
      if (n < 20) expect(r).toBeNull();
      else expect(r!.records.length).toBe(0);
    }
  });
});

describe('random bytes never throw', () => {
  test('500 seeded random buffers through $I and INFO2', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed);
    for (let i = 0; i < 500; i++) {
      const buf = Buffer.alloc(rand() % 3000);
      for (let j = 0; j < buf.length; j++) buf[j] = rand() & 0xff;
      if (buf.length >= 8) buf.writeUInt32LE(i % 3, 0); // versions 0..2 so the $I path is exercised
      if (buf.length >= 16) buf.writeUInt32LE(i % 2 ? 800 : 280, 12);
      expect(() => parseDollarI(src(buf), '$Ix')).not.toThrow();
      expect(() => parseInfo2(src(buf), { codepage: 'cp932' })).not.toThrow();
    }
  });
});
