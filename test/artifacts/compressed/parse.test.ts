import { describe, expect, test } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { compressedParser } from '../../../src/artifacts/compressed/index.js';
import { sniffStream } from '../../../src/artifacts/compressed/layout.js';
import { LIMITS } from '../../../src/util/limits.js';
import { parseWith } from '../zip/helpers.js';
import { tarFile } from '../tar/helpers.js';
import { cpuClock } from '../../helpers/cpu.js';

/** gzip with FNAME and FCOMMENT set (node's gzip writes neither). */
function gzipWithName(data: Buffer, name: string, comment: string, mtime: number): Buffer {
  const g = gzipSync(data);
  const head = Buffer.from(g.subarray(0, 10));
  head[3] = 0x08 | 0x10;
  head.writeUInt32LE(mtime, 4);
  return Buffer.concat([head, Buffer.from(`${name}\0${comment}\0`, 'latin1'), g.subarray(10)]);
}

describe('single-stream compressors', () => {
  test('gzip: original name, comment, mtime, size and a tar inside', async () => {
    const tar = tarFile([{ name: 'loot/a.txt', data: 'a' }, { name: 'loot/b.txt', data: 'b' }]);
    const buf = gzipWithName(tar, 'loot.tar', 'made by test', 1700000000);
    const { result, summary } = await parseWith(compressedParser, buf, 'x.tgz');
    expect(summary).toMatchObject({ format: 'gzip', entryCount: 1, inner: 'tar' });
    expect(summary!.fields).toMatchObject({ originalName: 'loot.tar', comment: 'made by test', mtime: '2023-11-14T22:13:20.0000000Z', innerEntriesSeen: 2 });
    expect(result!.records[0]).toMatchObject({ name: 'loot.tar', size: tar.length, modified: '2023-11-14T22:13:20.0000000Z' });
  });

  test('gzip of plain text has no inner format', async () => {
    const { summary } = await parseWith(compressedParser, gzipSync(Buffer.from('just text '.repeat(100))), 'notes.txt.gz');
    expect(summary!.inner).toBeNull();
    expect(summary!.entryCount).toBe(1);
  });

  test('gzip bomb: the peek stays bounded', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));
    const t0 = cpuClock();
    const { summary } = await parseWith(compressedParser, bomb, 'bomb.gz');
    expect(t0()).toBeLessThan(2000);
    expect(summary!.fields.peekBytes).toBeLessThanOrEqual(LIMITS.maxDecompressPeekBytes);
  });

  test.each([
    ['bzip2', Buffer.from('BZh91AY&SY', 'latin1'), 'a.bz2'],
    ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04, 0, 0]), 'a.xz'],
    ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x00]), 'a.zst'],
    ['lz4', Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x64, 0x40]), 'a.lz4'],
    ['lzip', Buffer.from('LZIP\x01\x0c', 'latin1'), 'a.lz'],
    ['compress', Buffer.from([0x1f, 0x9d, 0x90]), 'a.Z'],
    ['lzma', Buffer.from([0x5d, 0, 0, 0x80, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0]), 'a.tlz'],
  ])('%s magic', async (format, head, name) => {
    const buf = Buffer.concat([head, Buffer.alloc(64, 0x55)]);
    expect(sniffStream(buf, name)).toBe(format);
    const { summary } = await parseWith(compressedParser, buf, name);
    expect(summary!.format).toBe(format);
    expect(summary!.inner).toBeNull();
  });

  test('lzma without its extension is not claimed (no magic)', () => {
    expect(sniffStream(Buffer.from([0x5d, 0, 0, 0x80, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0]), 'a.bin')).toBeNull();
  });

  test('hostile gzip: unterminated name, truncated everywhere', async () => {
    const bad = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3]), Buffer.alloc(9000, 0x41)]);
    const r = await parseWith(compressedParser, bad, 'b.gz');
    expect(r.result!.warnings.join()).toMatch(/unterminated/);
    const good = gzipWithName(tarFile([{ name: 'a', data: 'x' }]), 'n', 'c', 1);
    for (let cut = 0; cut < good.length; cut += 5) await parseWith(compressedParser, good.subarray(0, cut), 't.gz');
  });
});
