import { describe, expect, test } from '@jest/globals';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { fingerprint, planSamples, type Fingerprint } from '../../src/fingerprint/index.js';
import { bufferSource, type ByteSource } from '../../src/util/byte-source.js';
import { LIMITS } from '../../src/util/limits.js';
import { xorshiftBytes } from '../helpers/random.js';

const pseudoRandom = (n: number, seed = 12345): Buffer => xorshiftBytes(n, seed);

/** A source that counts reads, to prove what fast mode does not read. */
function countingSource(buf: Buffer): ByteSource & { reads: number } {
  const inner = bufferSource(buf, 'counted');
  const src = { size: inner.size, name: inner.name, reads: 0, read(p: number, n: number) { src.reads++; return inner.read(p, n); } };
  return src;
}

async function fp(buf: Buffer, name: string, deep = false): Promise<Fingerprint> {
  return fingerprint(bufferSource(buf), buf.subarray(0, LIMITS.headBytes), name, { deep });
}

/** One ZIP local header; with `content` the entry is stored (method 0) so its bytes are readable. */
function zipLocalHeader(entryName: string, flags = 0, content?: Buffer): Buffer {
  const data = content ?? pseudoRandom(100, 7);
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0); // local file header signature
  h.writeUInt16LE(20, 4); // version needed
  h.writeUInt16LE(flags, 6); // general purpose flags
  h.writeUInt16LE(content ? 0 : 8, 8); // stored or deflate
  h.writeUInt32LE(data.length, 18); // compressed size
  h.writeUInt32LE(content ? data.length : 300, 22); // uncompressed size
  h.writeUInt16LE(entryName.length, 26);
  return Buffer.concat([h, Buffer.from(entryName), data]);
}

const CONTENT_TYPES = Buffer.from('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
  + '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>');

const PNG_HEAD = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452000000100000001008060000001ff3ff61', 'hex'), pseudoRandom(3000, 3)]);
const JPEG_HEAD = Buffer.concat([Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'), pseudoRandom(3000, 4)]);

describe('fingerprint classification', () => {
  test('random bytes are high-entropy-unknown (likely encrypted) and fire the blob rule', async () => {
    const r = await fp(pseudoRandom(200_000), 'cache.bin');
    expect(r.format).toBeNull();
    expect(r.classification).toBe('high-entropy-unknown');
    expect(r.classConfidence).toBe('high');
    expect(r.hits.map((h) => h.rule)).toEqual(['fingerprint-high-entropy-unknown']);
    expect(r.samples).toHaveLength(3); // escalated to head, middle, tail
  });

  test('zeros are unknown, not encrypted', async () => {
    const r = await fp(Buffer.alloc(10_000), 'zeros.bin');
    expect(r.classification).toBe('unknown');
    expect(r.entropy).toBe(0);
    expect(r.hits).toEqual([]);
  });

  test('empty file', async () => {
    const r = await fp(Buffer.alloc(0), 'empty.txt');
    expect(r).toMatchObject({ classification: 'empty', format: null, entropy: null, samples: [] });
  });

  test('plain, UTF-16 and structured text', async () => {
    expect((await fp(Buffer.from('2024-01-01 service started\n'.repeat(50)), 'app.log')).classification).toBe('text');
    const u16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Hello there, this is UTF-16 text.\r\n'.repeat(5), 'utf16le')]);
    expect((await fp(u16, 'notes.txt'))).toMatchObject({ classification: 'text', format: 'txt' });
    expect((await fp(Buffer.from('{"a": 1, "b": [1, 2, 3]}\n'), 'x.json'))).toMatchObject({ classification: 'structured', format: 'json' });
    expect((await fp(Buffer.from('[.ShellClassInfo]\r\nCLSID={645FF040}\r\n'), 'desktop.ini'))).toMatchObject({ classification: 'structured', format: 'ini' });
  });

  test('prose starting with "BM" is text, not a bitmap (loose magic loses to clean text)', async () => {
    const r = await fp(Buffer.from('BMW service record for the fleet, updated weekly.\n'.repeat(10)), 'cars.txt');
    expect(r.classification).toBe('text');
  });

  test('JPEG and PNG heads are media even though their bodies are high-entropy', async () => {
    const jpg = await fp(JPEG_HEAD, 'photo.jpg');
    expect(jpg).toMatchObject({ format: 'jpg', classification: 'media', extensionMismatch: null, hits: [] });
    const png = await fp(PNG_HEAD, 'image.png');
    expect(png).toMatchObject({ format: 'png', classification: 'media', hits: [] });
  });

  test('a zip head is an archive; the OOXML [Content_Types].xml head is a document', async () => {
    expect(await fp(zipLocalHeader('secrets/passwords.xlsx'), 'loot.zip')).toMatchObject({ format: 'zip', classification: 'archive' });
    const docx = await fp(Buffer.concat([zipLocalHeader('[Content_Types].xml', 0, CONTENT_TYPES), zipLocalHeader('word/document.xml')]), 'report.docx');
    expect(docx).toMatchObject({ format: 'docx', classification: 'document' });
    expect(docx.extensionMismatch).toBeNull();
  });

  test('an encrypted zip entry is hinted from the local header', async () => {
    expect((await fp(zipLocalHeader('a.txt', 1), 'a.zip')).hints).toContain('zip-encrypted-entry');
  });

  test('archive named .tmp: content/extension mismatch (archive disguised)', async () => {
    const r = await fp(zipLocalHeader('dump/ntds.dit'), '~DF1234.tmp');
    expect(r.extensionMismatch).toEqual({ extension: 'tmp', expected: ['@not-archive'], actual: 'zip' });
    expect(r.hits.map((h) => h.rule)).toEqual(['fingerprint-archive-disguised']);
  });

  test('gzip named .jpg and named .log are mismatches; gzip named .gz is not', async () => {
    const gz = gzipSync(Buffer.from('x'.repeat(5000)));
    expect((await fp(gz, 'holiday.jpg')).extensionMismatch?.actual).toBe('gz');
    expect((await fp(gz, 'pi.log')).hits.map((h) => h.rule)).toContain('fingerprint-archive-disguised');
    expect((await fp(gz, 'backup.gz')).extensionMismatch).toBeNull();
  });

  test('an executable named .txt', async () => {
    const pe = Buffer.alloc(1024);
    pe.write('MZ', 0, 'latin1');
    pe.writeUInt32LE(0x80, 0x3c);
    pe.write('PE\0\0', 0x80, 'latin1');
    pe.writeUInt16LE(0x14c, 0x84);
    pe.writeUInt16LE(0x10b, 0x98);
    const r = await fp(pe, 'funprog.txt');
    expect(r).toMatchObject({ format: 'exe', classification: 'executable', confidence: 'certain' });
    expect(r.hits.map((h) => h.rule)).toEqual(['fingerprint-executable-disguised']);
  });

  test('known encrypted containers by magic fire the container rule', async () => {
    const salted = Buffer.concat([Buffer.from('Salted__'), pseudoRandom(5000, 9)]);
    const r = await fp(salted, 'data.bin');
    expect(r).toMatchObject({ format: 'openssl-enc', classification: 'encrypted', magicSource: 'custom' });
    expect(r.hits.map((h) => h.rule)).toEqual(['fingerprint-encrypted-container']);
  });

  test('raw deflate output without a header is not called encrypted', async () => {
    let text = '';
    for (let i = 0; i < 20_000; i++) text += `row ${i},${(i * 7919) % 1000},${['alpha', 'beta', 'gamma'][i % 3]}\n`;
    const r = await fp(deflateRawSync(Buffer.from(text)), 'blob.bin');
    expect(r.classification).not.toBe('high-entropy-unknown');
    expect(r.hits).toEqual([]);
  });

  test('registry hive by magic is system-data whatever its name', async () => {
    const hive = Buffer.alloc(4096);
    hive.write('regf', 0, 'latin1');
    hive.writeUInt32LE(1, 0x14);
    hive.writeUInt32LE(5, 0x18);
    const r = await fp(hive, 'sys.tmp');
    expect(r).toMatchObject({ format: 'regf', classification: 'system-data', extensionMismatch: null });
  });
});

describe('sampling', () => {
  test('sample plan: whole file up to three samples, else head/middle/tail', () => {
    const S = LIMITS.entropySampleBytes;
    expect(planSamples(0)).toEqual([]);
    expect(planSamples(3 * S)).toEqual([{ offset: 0, length: 3 * S }]);
    expect(planSamples(10 * S)).toEqual([{ offset: 0, length: S }, { offset: Math.floor(9 * S / 2), length: S }, { offset: 9 * S, length: S }]);
  });

  test('fast mode reads nothing beyond the head for low-entropy or explained content', async () => {
    const text = Buffer.from('log line\n'.repeat(100_000));
    const src = countingSource(text);
    await fingerprint(src, text.subarray(0, LIMITS.headBytes), 'big.log');
    expect(src.reads).toBe(0);
    const jpg = Buffer.concat([JPEG_HEAD, pseudoRandom(200_000, 11)]);
    const src2 = countingSource(jpg);
    await fingerprint(src2, jpg.subarray(0, LIMITS.headBytes), 'p.jpg');
    expect(src2.reads).toBe(0);
  });

  test('deep mode always samples and matches whole-file statistics for small files', async () => {
    const data = Buffer.concat([Buffer.from('header text '.repeat(100)), pseudoRandom(20_000, 5)]);
    const src = countingSource(data);
    const r = await fingerprint(src, data.subarray(0, LIMITS.headBytes), 'x.bin', { deep: true });
    expect(src.reads).toBe(1);
    expect(r.samples).toEqual([{ offset: 0, length: data.length }]);
  });

  test('a source that fails to read gives warnings, not a throw', async () => {
    const data = pseudoRandom(100_000, 8);
    const broken: ByteSource = { size: data.length, name: 'broken', read() { throw new Error('EIO'); } };
    const r = await fingerprint(broken, data.subarray(0, LIMITS.headBytes), 'x.bin');
    expect(r.warnings.some((w) => w.includes('EIO'))).toBe(true);
    expect(r.samples).toEqual([{ offset: 0, length: LIMITS.headBytes }]);
    expect(r.classification).toBe('high-entropy-unknown');
  });

  test('a file that shrank since it was opened (short reads) is reported', async () => {
    const data = pseudoRandom(100_000, 10);
    const shrunk: ByteSource = { size: 200_000, name: 'shrunk', read: (p, n) => bufferSource(data).read(p, n) };
    const r = await fingerprint(shrunk, data.subarray(0, LIMITS.headBytes), 'x.bin');
    expect(r.warnings.some((w) => /short read/.test(w))).toBe(true);
  });
});
