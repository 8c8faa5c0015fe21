/** A ZIP whose one entry is gigabytes of zeros, written sparse: large files to hash without the disk space. */
import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * A ZIP of one stored entry of `size` zero bytes, written sparse (a header, a hole, the central
 * directory): gigabytes to hash, a few KB on disk.
 */
export function writeSparseZip(file: string, entryName: string, size: number): void {
  const name = Buffer.from(entryName);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(0x5021, 12); // 2020-01-01
  local.writeUInt32LE(size, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0x5021, 14);
  central.writeUInt32LE(size, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(name.length, 28);
  const centralAt = local.length + name.length + size;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(centralAt, 16);
  const fd = openSync(file, 'w');
  try {
    const head = Buffer.concat([local, name]);
    writeSync(fd, head, 0, head.length, 0);
    const tail = Buffer.concat([central, name, end]);
    writeSync(fd, tail, 0, tail.length, centralAt);
  } finally {
    closeSync(fd);
  }
}
