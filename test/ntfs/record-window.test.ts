/**
 * The MFT's records read through a window (src/evidence/image/ntfs/stream.ts `recordReader`): the
 * walk's reads of single records, in any order, give each record's own bytes, also at the end of an
 * MFT whose size is not a multiple of the window, and with a window that is not a multiple of the
 * record size; a pass over every record reads one window at a time. What a pass hints to an image
 * that fetches ahead (`willReadStream`) is the volume's ranges of the stream's bytes, run by run.
 */
import { describe, expect, test } from '@jest/globals';
import type { Run } from '../../src/evidence/image/ntfs/record.js';
import { recordReader, willReadStream } from '../../src/evidence/image/ntfs/stream.js';
import { bufferSource, type ByteSource } from '../../src/util/byte-source.js';
import { xorshiftBytes } from '../helpers/random.js';

/** A source that counts its reads. */
function counted(src: ByteSource): ByteSource & { reads: number } {
  const out = {
    size: src.size,
    name: src.name,
    reads: 0,
    read(position: number, length: number): Buffer {
      out.reads++;
      return src.read(position, length);
    },
  };
  return out;
}

test.each([
  [1024, 16 * 1024, 1000],
  [1024, 16 * 1024, 1003],
  [4096, 16 * 1024, 77],
  [1024, 5000, 250],
])('records of %i bytes through a %i-byte window, %i records: each its own bytes, in any order', (recordSize, windowBytes, records) => {
  const bytes = xorshiftBytes(recordSize * records + 300, records); // a partial record at the end
  const src = counted(bufferSource(bytes, 'mft'));
  const read = recordReader(src, recordSize, windowBytes);
  const order = Array.from({ length: records + 1 }, (_, i) => (i * 7919) % (records + 1));
  for (const entry of order) {
    const want = bytes.subarray(entry * recordSize, Math.min(bytes.length, (entry + 1) * recordSize));
    expect(read(entry).equals(want)).toBe(true);
  }
  // In order: one read per window (the window's records are aligned to it).
  const perWindow = Math.max(1, Math.floor(windowBytes / recordSize));
  const pass = counted(bufferSource(bytes, 'mft'));
  const inOrder = recordReader(pass, recordSize, windowBytes);
  for (let entry = 0; entry <= records; entry++) inOrder(entry);
  expect(pass.reads).toBe(Math.ceil((records + 1) / perWindow));
});

describe('willReadStream: the volume ranges of a stream range, hinted run by run', () => {
  const CLUSTER = 4096;
  /** A volume that records what it is told will be read. */
  function hinted(): { volume: ByteSource; hints: Array<[number, number]> } {
    const hints: Array<[number, number]> = [];
    const volume: ByteSource = {
      ...bufferSource(Buffer.alloc(0), 'volume'),
      fetchAhead: { start: () => null, willRead: (position, length) => hints.push([position, length]), stop: () => undefined },
    };
    return { volume, hints };
  }
  // Clusters 0-3 at 100, a sparse run of 2, clusters 6-8 at 50, 9-10 right after at 53 (a second run).
  const runs: Run[] = [
    { vcn: 0, lcn: 100, length: 4 },
    { vcn: 4, lcn: null, length: 2 },
    { vcn: 6, lcn: 50, length: 3 },
    { vcn: 9, lcn: 53, length: 2 },
  ];

  test('within a run, up to a sparse run, across runs, past the last run', () => {
    const { volume, hints } = hinted();
    willReadStream(volume, runs, CLUSTER, 10, 100);
    expect(hints).toEqual([[100 * CLUSTER + 10, 100]]);
    hints.length = 0;
    // From cluster 3 into the sparse run: only the mapped part.
    willReadStream(volume, runs, CLUSTER, 3 * CLUSTER + 10, 2 * CLUSTER);
    expect(hints).toEqual([[103 * CLUSTER + 10, CLUSTER - 10]]);
    hints.length = 0;
    // Clusters 7-10: the end of one run, then the next, then nothing mapped.
    willReadStream(volume, runs, CLUSTER, 7 * CLUSTER, 10 * CLUSTER);
    expect(hints).toEqual([[51 * CLUSTER, 2 * CLUSTER], [53 * CLUSTER, 2 * CLUSTER]]);
  });

  test('nothing for an empty or negative range, a sparse start, or a volume that does not fetch ahead', () => {
    const { volume, hints } = hinted();
    willReadStream(volume, runs, CLUSTER, 0, 0);
    willReadStream(volume, runs, CLUSTER, -5, 100);
    willReadStream(volume, runs, CLUSTER, 4 * CLUSTER, CLUSTER);
    expect(hints).toEqual([]);
    expect(() => willReadStream(bufferSource(Buffer.alloc(0), 'plain'), runs, CLUSTER, 0, CLUSTER)).not.toThrow();
  });

  test('a hostile length costs at most one hint per run', () => {
    const { volume, hints } = hinted();
    const many: Run[] = Array.from({ length: 1000 }, (_, i) => ({ vcn: i, lcn: 10 + 2 * i, length: 1 }));
    willReadStream(volume, many, CLUSTER, 0, Number.MAX_SAFE_INTEGER);
    expect(hints.length).toBe(1000);
    expect(hints[999]).toEqual([(10 + 2 * 999) * CLUSTER, CLUSTER]);
  });
});
