/**
 * VHD (Microsoft "Virtual Hard Disk Image Format Specification"): a 512-byte big-endian footer
 * ("conectix") at the end. Fixed disks are the raw media followed by the footer. Dynamic and
 * differencing disks have a dynamic header ("cxsparse") with a block allocation table (BAT) of
 * u32 sector numbers (0xFFFFFFFF = not allocated); each block is a sector bitmap then the data.
 * A differencing disk reads the sectors whose bitmap bit is clear from its parent.
 */
import type { ByteSource } from '../../../util/byte-source.js';
import { blockSource, readExact } from './block-source.js';

const MAX_VHD_BLOCK = 256 * 1024 * 1024;

export interface VhdInfo {
  format: 'vhd';
  diskType: 'fixed' | 'dynamic' | 'differencing';
  mediaSize: number;
  blockSize?: number;
  /** Differencing disk: the parent's file name as stored. */
  parentName?: string;
}

export function isVhd(file: ByteSource): boolean {
  const f = file.size >= 512 ? file.read(file.size - 512, 8) : Buffer.alloc(0);
  const g = file.size >= 511 ? file.read(file.size - 511, 8) : Buffer.alloc(0); // old 511-byte footers
  return f.toString('latin1') === 'conectix' || g.toString('latin1') === 'conectix';
}

function footerOf(file: ByteSource): Buffer | null {
  for (const len of [512, 511]) {
    const f = readExact(file, file.size - len, len);
    if (f && f.toString('latin1', 0, 8) === 'conectix') return f;
  }
  const head = readExact(file, 0, 512); // dynamic disks keep a copy at offset 0
  return head && head.toString('latin1', 0, 8) === 'conectix' ? head : null;
}

/** Parses the footer and, for a differencing disk, says which parent it needs. */
export function vhdParentName(file: ByteSource): string | null {
  const f = footerOf(file);
  if (!f || f.readUInt32BE(60) !== 4) return null;
  const dyn = readExact(file, Number(f.readBigUInt64BE(16)), 1024);
  if (!dyn || dyn.toString('latin1', 0, 8) !== 'cxsparse') return null;
  return utf16beName(dyn.subarray(64, 576));
}

function utf16beName(b: Buffer): string {
  const swapped = Buffer.from(b);
  swapped.swap16();
  const s = swapped.toString('utf16le');
  const end = s.indexOf('\0');
  return end < 0 ? s : s.slice(0, end);
}

export function openVhd(file: ByteSource, name: string, warnings: string[], parent?: ByteSource): { source: ByteSource; info: VhdInfo } {
  const f = footerOf(file);
  if (!f) throw new Error('VHD: no "conectix" footer');
  const mediaSize = Number(f.readBigUInt64BE(48));
  const type = f.readUInt32BE(60);
  if (type === 2) {
    if (mediaSize > file.size) warnings.push(`VHD ${name}: fixed disk of ${mediaSize} bytes in a ${file.size}-byte file; the rest reads as zeros`);
    return {
      source: blockSource({ name, size: mediaSize, blockSize: 1024 * 1024, readBlock: (i) => file.read(i * 1024 * 1024, 1024 * 1024) }),
      info: { format: 'vhd', diskType: 'fixed', mediaSize },
    };
  }
  if (type !== 3 && type !== 4) throw new Error(`VHD: disk type ${type} not supported`);
  const dynAt = Number(f.readBigUInt64BE(16));
  const dyn = readExact(file, dynAt, 1024);
  if (!dyn || dyn.toString('latin1', 0, 8) !== 'cxsparse') throw new Error('VHD: dynamic header missing');
  const batAt = Number(dyn.readBigUInt64BE(16));
  let entries = dyn.readUInt32BE(28);
  const blockSize = dyn.readUInt32BE(32);
  if (!blockSize || blockSize % 512 !== 0 || blockSize > MAX_VHD_BLOCK) throw new Error(`VHD: block size ${blockSize} not usable`);
  const needed = Math.ceil(mediaSize / blockSize);
  if (entries < needed) warnings.push(`VHD ${name}: BAT has ${entries} entries, ${needed} needed; the rest reads as zeros`);
  entries = Math.min(entries, needed);
  const parentName = type === 4 ? utf16beName(dyn.subarray(64, 576)) : undefined;
  if (type === 4 && !parent) warnings.push(`VHD ${name}: differencing disk; its parent '${parentName}' is needed for unchanged sectors (read as zeros)`);
  const bitmapBytes = Math.ceil(blockSize / 512 / 8 / 512) * 512;
  let warned = 0;
  const source = blockSource({
    name,
    size: mediaSize,
    blockSize,
    readBlock(i: number): Buffer | null {
      const fromParent = (): Buffer | null => (parent ? parent.read(i * blockSize, blockSize) : null);
      if (i >= entries) return fromParent();
      const e = readExact(file, batAt + 4 * i, 4);
      const sector = e ? e.readUInt32BE(0) : 0xffffffff;
      if (sector === 0xffffffff) return fromParent();
      const at = sector * 512;
      const data = file.read(at + bitmapBytes, blockSize);
      if (data.length < blockSize && warned++ < 20) warnings.push(`VHD ${name}: block ${i} truncated`);
      if (type === 3 || !parent) return data;
      const bitmap = file.read(at, bitmapBytes);
      const base = parent.read(i * blockSize, blockSize);
      const out = Buffer.alloc(blockSize);
      base.copy(out);
      for (let s = 0; s < blockSize / 512; s++) {
        const bit = (bitmap[s >> 3] ?? 0) & (0x80 >> (s & 7));
        if (bit) {
          out.fill(0, s * 512, s * 512 + 512);
          data.copy(out, s * 512, s * 512, s * 512 + 512);
        }
      }
      return out;
    },
  });
  return { source, info: { format: 'vhd', diskType: type === 3 ? 'dynamic' : 'differencing', mediaSize, blockSize, parentName } };
}
