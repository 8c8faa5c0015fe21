import { describe, expect, test } from '@jest/globals';
import { openSync, closeSync, writeFileSync, mkdtempSync, fstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildZip } from '../../../fixtures/lib/zip-writer.mjs';
import { zipParser } from '../../../src/artifacts/zip/index.js';
import { fdSource } from '../../../src/evidence/reader.js';
import { parseWith, ctxFor } from './helpers.js';

describe('zip parser', () => {
  test('lists names, sizes, methods and DOS times of a plain zip', async () => {
    const buf = buildZip({ entries: [{ name: 'a.txt', data: 'hello hello hello' }, { name: 'dir/', data: '', method: 0 }] });
    const { result, summary } = await parseWith(zipParser, buf, 'plain.zip');
    expect(result!.warnings).toEqual([]);
    expect(result!.corrupted).toBe(false);
    expect(summary!.entryCount).toBe(2);
    expect(summary!.encryptedEntryCount).toBe(0);
    expect(result!.records[0]).toMatchObject({ type: 'archive-entry', name: 'a.txt', size: 17, method: 'deflate', encrypted: false, modified: '2024-03-01T12:00:00.0000000Z' });
    expect(result!.records[1]).toMatchObject({ name: 'dir/', isDirectory: true });
  });

  test('tells ZipCrypto, WinZip AES strengths and PKWARE strong apart', async () => {
    const buf = buildZip({
      entries: [
        { name: 'z.txt', data: 'x', encrypt: 'zipcrypto' },
        { name: 'a1.txt', data: 'x', encrypt: 'aes', aesStrength: 1 },
        { name: 'a2.txt', data: 'x', encrypt: 'aes', aesStrength: 2 },
        { name: 'a3.txt', data: 'x', encrypt: 'aes', aesStrength: 3, method: 0 },
        { name: 'plain.txt', data: 'x' },
      ],
    });
    const { result, summary } = await parseWith(zipParser, buf, 'enc.zip');
    expect(summary!.encryptedEntryCount).toBe(4);
    expect(summary!.encryption).toEqual(['aes-128', 'aes-192', 'aes-256', 'zipcrypto']);
    expect(result!.records.map((r) => r.encryption)).toEqual(['zipcrypto', 'aes-128', 'aes-192', 'aes-256', null]);
    expect(result!.records[3]!.method).toBe('aes(stored)');
  });

  test('strong-encryption bit makes yauzl stop; our own walk still lists every entry', async () => {
    const buf = buildZip({ entries: [{ name: 's1', data: 'x', encrypt: 'strong' }, { name: 's2', data: 'y' }] });
    const { summary } = await parseWith(zipParser, buf, 'strong.zip');
    expect(summary!.entryCount).toBe(2);
    expect(summary!.encryptedEntryCount).toBe(1);
    expect(summary!.fields.lister).toBe('central-walk');
  });

  test('prefers NTFS over Unix over DOS times', async () => {
    const buf = buildZip({
      entries: [
        { name: 'n', data: 'x', ntfsModified: new Date('2023-05-06T07:08:09.123Z'), unixModified: new Date('2020-01-01T00:00:00Z') },
        { name: 'u', data: 'x', unixModified: new Date('2021-02-03T04:05:06Z') },
      ],
    });
    const { result } = await parseWith(zipParser, buf, 't.zip');
    expect(result!.records[0]!.modified).toBe('2023-05-06T07:08:09.1230000Z');
    expect(result!.records[1]!.modified).toBe('2021-02-03T04:05:06.0000000Z');
  });

  test('decodes CP437 names when the UTF-8 flag is clear', async () => {
    const buf = buildZip({ entries: [{ name: Buffer.from([0x84, 0x2e, 0x74, 0x78, 0x74]), data: 'x' }] });
    const { result } = await parseWith(zipParser, buf, 'cp.zip');
    expect(result!.records[0]!.name).toBe('ä.txt');
  });

  test('zip64 sizes are read from the extra field', async () => {
    const buf = buildZip({ entries: [{ name: 'big', data: 'abc', method: 0, zip64: true }], zip64End: true });
    const { result, summary } = await parseWith(zipParser, buf, 'z64.zip');
    expect(result!.records[0]).toMatchObject({ size: 3, compressedSize: 3 });
    expect(summary!.fields.zip64).toBe(true);
  });

  test.each([
    [{ '[Content_Types].xml': 1, 'word/document.xml': 1 }, 'report.docx', 'ooxml'],
    [{ mimetype: 1, 'META-INF/manifest.xml': 1, 'content.xml': 1 }, 'a.odt', 'odf'],
    [{ 'META-INF/MANIFEST.MF': 1, 'a/B.class': 1 }, 'lib.jar', 'jar'],
    [{ 'AndroidManifest.xml': 1, 'classes.dex': 1 }, 'app.apk', 'apk'],
    [{ '[Content_Types].xml': 1, 'pkg.nuspec': 1 }, 'pkg.nupkg', 'nuget'],
    [{ 'a.txt': 1 }, 'plain.zip', null],
  ])('package detection %#', async (names, fileName, expected) => {
    const buf = buildZip({ entries: Object.keys(names).map((n) => ({ name: n, data: 'x' })) });
    const { summary } = await parseWith(zipParser, buf, fileName);
    expect(summary!.packageType).toBe(expected);
  });

  test('self-extracting: a PE stub with an appended zip (offsets not adjusted)', async () => {
    const stub = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(4094, 0x90)]);
    const zip = buildZip({ entries: [{ name: 'payload.txt', data: 'x' }] });
    const { result, summary } = await parseWith(zipParser, Buffer.concat([stub, zip]), 'setup.exe');
    expect(summary!.selfExtracting).toBe(true);
    expect(summary!.entryCount).toBe(1);
    expect(result!.warnings.join()).toMatch(/4096 bytes after its recorded offset/);
  });

  test('an exe without an appended zip is not a zip', async () => {
    const stub = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(5000, 0x90)]);
    const { result } = await parseWith(zipParser, stub, 'tool.exe');
    expect(result).toBeNull();
  });

  test('split sets: disk number, spanning marker and volume names', async () => {
    const last = buildZip({ entries: [{ name: 'a', data: 'x' }], diskNumber: 2 });
    expect((await parseWith(zipParser, last, 'set.zip')).summary!.volume).toEqual({ index: 2, multiVolume: true });
    const first = buildZip({ entries: [{ name: 'a', data: 'x' }], spanningMarker: true, noCentral: true });
    expect((await parseWith(zipParser, first, 'set.z01')).summary!.volume).toEqual({ index: 0, multiVolume: true });
    const middle = Buffer.alloc(3000, 0x41);
    const mid = await parseWith(zipParser, middle, 'set.zip.002');
    expect(mid.summary).toMatchObject({ format: 'zip', entryCount: null, volume: { index: 1, multiVolume: true } });
    expect(zipParser.matches(ctxFor(middle, 'set.zip.002'))).toBe(true);
    expect(zipParser.matches(ctxFor(middle, 'notes.txt'))).toBe(false);
  });

  test('reads through the ByteSource fd and leaves the fd open', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sh-zip-'));
    const file = path.join(dir, 'a.zip');
    writeFileSync(file, buildZip({ entries: [{ name: 'a', data: 'x' }, { name: 'b', data: 'y', encrypt: 'aes' }] }));
    const fd = openSync(file, 'r');
    try {
      const src = fdSource(fd, fstatSync(fd).size, file);
      const r = await zipParser.parse(src, ctxFor(src.read(0, 4100), 'a.zip'));
      expect(r!.facts!.encryptedEntryCount).toBe(1);
      expect(fstatSync(fd).size).toBeGreaterThan(0); // throws EBADF if yauzl closed it
      expect(src.read(0, 2).toString('latin1')).toBe('PK');
    } finally {
      closeSync(fd);
    }
  });
});
