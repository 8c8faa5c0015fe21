import { describe, expect, test } from '@jest/globals';
import { cabParser } from '../../../src/artifacts/cab/index.js';
import { parseWith } from '../zip/helpers.js';

/** A minimal cabinet: header, one folder, CFFILE entries (no data blocks needed for listing). */
function cab(files: string[], opts: { flags?: number; iCabinet?: number; prev?: string; next?: string; cFiles?: number } = {}): Buffer {
  const strings: Buffer[] = [];
  if (opts.prev) strings.push(Buffer.from(`${opts.prev}\0disk1\0`, 'latin1'));
  if (opts.next) strings.push(Buffer.from(`${opts.next}\0disk2\0`, 'latin1'));
  const names = Buffer.concat(strings);
  const folder = Buffer.alloc(8);
  folder.writeUInt16LE(1, 6); // MSZIP
  const entries = files.map((n, i) => {
    const e = Buffer.alloc(16);
    e.writeUInt32LE(100 + i, 0);
    e.writeUInt16LE(i === 0 && opts.prev ? 0xfffd : 0, 8);
    e.writeUInt16LE((44 << 9) | (3 << 5) | 1, 10); // 2024-03-01
    e.writeUInt16LE(12 << 11, 12);
    return Buffer.concat([e, Buffer.from(`${n}\0`, 'latin1')]);
  });
  const h = Buffer.alloc(36);
  h.write('MSCF', 0, 'latin1');
  const coffFiles = 36 + names.length + 8;
  const total = coffFiles + entries.reduce((a, b) => a + b.length, 0);
  h.writeUInt32LE(total, 8);
  h.writeUInt32LE(coffFiles, 16);
  h[24] = 3;
  h[25] = 1;
  h.writeUInt16LE(1, 26);
  h.writeUInt16LE(opts.cFiles ?? files.length, 28);
  h.writeUInt16LE(opts.flags ?? (opts.prev ? 1 : 0) | (opts.next ? 2 : 0), 30);
  h.writeUInt16LE(0x1234, 32);
  h.writeUInt16LE(opts.iCabinet ?? 0, 34);
  return Buffer.concat([h, names, folder, ...entries]);
}

describe('cab parser', () => {
  test('lists CFFILE entries with sizes and DOS times', async () => {
    const { result, summary } = await parseWith(cabParser, cab(['dir\\a.txt', 'b.txt']), 'x.cab');
    expect(result!.warnings).toEqual([]);
    expect(summary!.entryCount).toBe(2);
    expect(summary!.volume).toBeNull();
    expect(summary!.fields).toMatchObject({ setId: 0x1234, compression: ['mszip'] });
    expect(result!.records[0]).toMatchObject({ name: 'dir\\a.txt', size: 100, modified: '2024-03-01T12:00:00.0000000Z' });
  });

  test('set fields: previous/next cabinet and the cabinet index', async () => {
    const { summary } = await parseWith(cabParser, cab(['a'], { prev: 'set1.cab', next: 'set3.cab', iCabinet: 1 }), 'set2.cab');
    expect(summary!.volume).toEqual({ index: 1, multiVolume: true });
    expect(summary!.fields).toMatchObject({ previousCabinet: 'set1.cab', nextCabinet: 'set3.cab', continuedEntries: 1 });
  });

  test('hostile: 65535 files claimed, truncation at every point', async () => {
    const lying = cab(['a', 'b'], { cFiles: 65535 });
    const r = await parseWith(cabParser, lying, 'l.cab');
    expect(r.summary!.entryCount).toBe(2);
    expect(r.summary!.truncated).toBe(true);
    expect(r.result!.warnings.join()).toMatch(/2 of 65535/);
    const full = cab(['a', 'b', 'c'], { next: 'n.cab' });
    for (let cut = 0; cut < full.length; cut++) await parseWith(cabParser, full.subarray(0, cut), 't.cab');
  });
});
