/**
 * The MFT's records read through a window (src/evidence/image/ntfs/stream.ts `recordReader`): the
 * walk's reads of single records, in any order, give each record's own bytes, also at the end of an
 * MFT whose size is not a multiple of the window, and with a window that is not a multiple of the
 * record size; a pass over every record reads one window at a time.
 */
import { expect, test } from '@jest/globals';
import { recordReader } from '../../src/evidence/image/ntfs/stream.js';
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
