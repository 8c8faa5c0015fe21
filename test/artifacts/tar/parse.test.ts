import { describe, expect, test } from '@jest/globals';
import { tarParser } from '../../../src/artifacts/tar/index.js';
import { checksumOk } from '../../../src/artifacts/tar/layout.js';
import { parseWith, ctxFor } from '../zip/helpers.js';
import { tarFile, tarHeader } from './helpers.js';

describe('tar parser', () => {
  test('lists ustar entries with sizes and times', async () => {
    const buf = tarFile([{ name: 'docs/a.txt', data: 'hello' }, { name: 'docs/', data: '', type: '5' }]);
    expect(tarParser.matches(ctxFor(buf, 'x.tar'))).toBe(true);
    const { result, summary } = await parseWith(tarParser, buf, 'x.tar');
    expect(result!.warnings).toEqual([]);
    expect(summary!.entryCount).toBe(2);
    expect(result!.records[0]).toMatchObject({ name: 'docs/a.txt', size: 5, modified: '2023-11-14T22:13:20.0000000Z', isDirectory: false });
    expect(result!.records[1]).toMatchObject({ isDirectory: true });
  });

  test('GNU long names and pax path/size override the header', async () => {
    const long = 'd/'.repeat(80) + 'file.txt';
    const pax = `${String(`xx path=pax-name.txt\n`.length)} path=pax-name.txt\n`;
    const buf = tarFile([{ name: '././@LongLink', data: long + '\0', type: 'L' }, { name: 'short', data: 'x' }, { name: 'PaxHeader', data: pax, type: 'x' }, { name: 'orig', data: 'y' }]);
    const { result } = await parseWith(tarParser, buf, 'x.tar');
    expect(result!.records.map((r) => r.name)).toEqual([long, 'pax-name.txt']);
  });

  test('v7 headers are recognised by checksum alone; a bad checksum is not tar', async () => {
    const v7 = tarHeader('old.txt', 0, '0', { magic: 'v7' });
    expect(checksumOk(v7)).toBe(true);
    expect(tarParser.matches(ctxFor(Buffer.concat([v7, Buffer.alloc(1024)]), 'x'))).toBe(true);
    const bad = Buffer.from(v7);
    bad[0] ^= 1;
    expect(tarParser.matches(ctxFor(bad, 'x'))).toBe(false);
  });

  test('hostile: huge size field, bad second header, truncation, no end marker', async () => {
    const huge = Buffer.concat([tarHeader('big', 8 ** 11 - 1), Buffer.alloc(512)]);
    const h = await parseWith(tarParser, huge, 'h.tar');
    expect(h.result!.corrupted).toBe(true);
    expect(h.result!.warnings.join()).toMatch(/ends inside an entry/);
    const good = tarFile([{ name: 'a', data: 'x' }, { name: 'b', data: 'y' }]);
    good[512 * 2 + 10] ^= 0xff; // corrupt the second header
    const b = await parseWith(tarParser, good, 'b.tar');
    expect(b.summary!.entryCount).toBe(1);
    expect(b.result!.warnings.join()).toMatch(/bad tar header/);
    for (let cut = 512; cut < good.length; cut += 97) await parseWith(tarParser, good.subarray(0, cut), 'c.tar');
    const noEnd = await parseWith(tarParser, tarFile([{ name: 'a', data: 'x' }], false), 'n.tar');
    expect(noEnd.summary!.truncated).toBe(true);
  });
});
