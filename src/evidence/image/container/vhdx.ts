/**
 * VHDX ([MS-VHDX]): "vhdxfile" identifier, two headers (64 and 128 KiB; the one with the higher
 * sequence number wins), two region tables (192/256 KiB) locating the BAT and the metadata region.
 * Metadata gives block size, virtual disk size, logical sector size and whether a parent exists.
 * BAT entries (u64) for payload blocks are interleaved with one sector-bitmap entry every
 * `chunk ratio` entries; state in bits 0-2 (6 = fully present, 7 = partially present: differencing),
 * file offset in MiB in bits 20-63. An unreplayed log is reported: the image may be stale.
 */
import type { ByteSource } from '../../../util/byte-source.js';
import { blockSource, readExact } from './block-source.js';

export interface VhdxInfo {
  format: 'vhdx';
  mediaSize: number;
  blockSize: number;
  logicalSectorSize: number;
  hasParent: boolean;
}

const KiB = 1024;
const MiB = 1024 * 1024;
const BAT_GUID = '2dc27766-f623-4200-9d64-115e9bfd4a08';
const METADATA_GUID = '8b7ca206-4790-4b9a-b8fe-575f050f886e';
const FILE_PARAMETERS = 'caa16737-fa36-4d43-b3b6-33f0aa44e76b';
const VIRTUAL_DISK_SIZE = '2fa54224-cd1b-4876-b211-5dbed83bf4b8';
const LOGICAL_SECTOR_SIZE = '8141bf1d-a96f-4709-ba47-f233a8faab5f';

export function isVhdx(head: Buffer): boolean {
  return head.length >= 8 && head.toString('latin1', 0, 8) === 'vhdxfile';
}

/** A GUID stored little-endian in its first three fields, as text. */
function guid(b: Buffer): string {
  const h = (x: Buffer): string => x.toString('hex');
  const rev = (x: Buffer): string => h(Buffer.from(x).reverse());
  return `${rev(b.subarray(0, 4))}-${rev(b.subarray(4, 6))}-${rev(b.subarray(6, 8))}-${h(b.subarray(8, 10))}-${h(b.subarray(10, 16))}`;
}

export function openVhdx(file: ByteSource, name: string, warnings: string[]): { source: ByteSource; info: VhdxInfo } {
  const id = readExact(file, 0, 8);
  if (!id || !isVhdx(id)) throw new Error('VHDX: no "vhdxfile" identifier');
  let header: Buffer | null = null;
  for (const at of [64 * KiB, 128 * KiB]) {
    const hd = readExact(file, at, 4096);
    if (!hd || hd.toString('latin1', 0, 4) !== 'head') continue;
    if (!header || hd.readBigUInt64LE(8) > header.readBigUInt64LE(8)) header = hd;
  }
  if (!header) throw new Error('VHDX: no valid header');
  if (!header.subarray(48, 64).equals(Buffer.alloc(16))) warnings.push(`VHDX ${name}: the log is not empty (not replayed): recent writes may be missing`);
  let region: Buffer | null = null;
  for (const at of [192 * KiB, 256 * KiB]) {
    const r = readExact(file, at, 64 * KiB);
    if (r && r.toString('latin1', 0, 4) === 'regi') {
      region = r;
      break;
    }
  }
  if (!region) throw new Error('VHDX: no region table');
  const count = Math.min(region.readUInt32LE(8), 2047);
  let batAt = 0;
  let batLen = 0;
  let metaAt = 0;
  for (let i = 0; i < count; i++) {
    const e = region.subarray(16 + 32 * i, 48 + 32 * i);
    const g = guid(e.subarray(0, 16));
    if (g === BAT_GUID) {
      batAt = Number(e.readBigUInt64LE(16));
      batLen = e.readUInt32LE(24);
    } else if (g === METADATA_GUID) metaAt = Number(e.readBigUInt64LE(16));
  }
  if (!batAt || !metaAt) throw new Error('VHDX: BAT or metadata region missing');
  const meta = readExact(file, metaAt, 64 * KiB);
  if (!meta || meta.toString('latin1', 0, 8) !== 'metadata') throw new Error('VHDX: metadata table missing');
  const items = new Map<string, Buffer>();
  const n = Math.min(meta.readUInt16LE(10), 2047);
  for (let i = 0; i < n; i++) {
    const e = meta.subarray(32 + 32 * i, 64 + 32 * i);
    const off = e.readUInt32LE(16);
    const len = Math.min(e.readUInt32LE(20), 64 * KiB);
    const v = readExact(file, metaAt + off, len);
    if (v) items.set(guid(e.subarray(0, 16)), v);
  }
  const fp = items.get(FILE_PARAMETERS);
  const vs = items.get(VIRTUAL_DISK_SIZE);
  const ls = items.get(LOGICAL_SECTOR_SIZE);
  if (!fp || fp.length < 8 || !vs || vs.length < 8) throw new Error('VHDX: file parameters or virtual disk size missing');
  const blockSize = fp.readUInt32LE(0);
  const hasParent = (fp.readUInt32LE(4) & 2) !== 0;
  const mediaSize = Number(vs.readBigUInt64LE(0));
  const logicalSectorSize = ls && ls.length >= 4 ? ls.readUInt32LE(0) : 512;
  if (blockSize < MiB || blockSize > 256 * MiB || (blockSize & (blockSize - 1)) !== 0) throw new Error(`VHDX: block size ${blockSize} not usable`);
  if (logicalSectorSize !== 512 && logicalSectorSize !== 4096) throw new Error(`VHDX: logical sector size ${logicalSectorSize}`);
  if (hasParent) warnings.push(`VHDX ${name}: differencing disk; its parent is needed for unchanged blocks (read as zeros)`);
  const chunkRatio = (2 ** 23 * logicalSectorSize) / blockSize;
  let warned = 0;
  const source = blockSource({
    name,
    size: mediaSize,
    blockSize,
    readBlock(i: number): Buffer | null {
      const idx = i + Math.floor(i / chunkRatio);
      if (8 * idx + 8 > batLen) return null;
      const e = readExact(file, batAt + 8 * idx, 8);
      if (!e) {
        if (warned++ < 20) warnings.push(`VHDX ${name}: BAT entry of block ${i} truncated`);
        return null;
      }
      const v = e.readBigUInt64LE(0);
      const state = Number(v & 7n);
      if (state !== 6 && state !== 7) return null;
      return file.read(Number(v >> 20n) * MiB, blockSize);
    },
  });
  return { source, info: { format: 'vhdx', mediaSize, blockSize, logicalSectorSize, hasParent } };
}
