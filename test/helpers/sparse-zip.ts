/** A ZIP whose one entry is gigabytes of zeros, written sparse: large files to hash without the disk space. */
import { closeSync, openSync, writeSync } from 'node:fs';
import { buildZip } from '../../fixtures/lib/zip-writer.mjs';

/**
 * A ZIP of one stored entry of `size` zero bytes, written sparse: the project's ZIP writer makes
 * the local header (sizes claimed, no data) and the central directory placed after the entry; the
 * hole between them is the entry. Gigabytes to hash, a few KB on disk.
 */
export function writeSparseZip(file: string, entryName: string, size: number): void {
  const localHeader = 30 + Buffer.byteLength(entryName);
  const centralAt = localHeader + size;
  const zip = buildZip({ entries: [{ name: entryName, data: '', method: 0, claimedSize: size, claimedCompressedSize: size }], cdOffsetOverride: centralAt });
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, zip, 0, localHeader, 0);
    writeSync(fd, zip, localHeader, zip.length - localHeader, centralAt);
  } finally {
    closeSync(fd);
  }
}
