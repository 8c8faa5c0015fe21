/**
 * A minimal, bounded Compound File Binary (OLE2) reader: directory entry names and the head of a
 * stream, enough to tell a password-protected Office file (MS-OFFCRYPTO) from a plain one, and to
 * read the DestList and LNK streams of a Jump List (artifacts/jumplist/). Shared by both.
 * Header: 0x00 magic d0cf11e0a1b11ae1, 0x1e sector shift, 0x20 mini sector shift, 0x2c FAT sector count,
 * 0x30 first directory sector, 0x38 mini stream cutoff, 0x3c first mini-FAT sector, 0x40 mini-FAT sector
 * count, 0x4c DIFAT[109]. Directory entry (128 bytes): 0x00 name UTF-16LE[64], 0x40 name length,
 * 0x42 object type (1 storage, 2 stream, 5 root), 0x74 start sector, 0x78 size (low 32 bits).
 */
import type { ByteSource } from '../../util/byte-source.js';
import { WindowReader } from '../archive/window.js';

export const CFB_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const MAX_DIR_ENTRIES = 4096;
const MAX_CHAIN = 1 << 20; // sectors followed in one chain before we call it a loop
const END_OF_CHAIN = 0xfffffffe;
const HEADER_DIFAT = 109;

export interface CfbEntry {
  name: string;
  type: number;
  start: number;
  size: number;
}

export interface Cfb {
  entries: CfbEntry[];
  warnings: string[];
  /** First `max` bytes of a named stream (empty when absent or unreadable). */
  streamHead(name: string, max: number): Buffer;
}

export function openCfb(src: ByteSource): Cfb | null {
  const h = src.read(0, 512);
  if (h.length < 512 || !h.subarray(0, 8).equals(CFB_MAGIC)) return null;
  const shift = h.readUInt16LE(0x1e);
  const miniShift = h.readUInt16LE(0x20);
  if ((shift !== 9 && shift !== 12) || miniShift !== 6) return null;
  const ssz = 1 << shift;
  const reader = new WindowReader(src);
  const warnings: string[] = [];
  const fatSectors: number[] = [];
  for (let i = 0; i < Math.min(HEADER_DIFAT, h.readUInt32LE(0x2c)); i++) fatSectors.push(h.readUInt32LE(0x4c + i * 4));
  if (h.readUInt32LE(0x2c) > HEADER_DIFAT) warnings.push('FAT continues in DIFAT sectors; only the first 109 FAT sectors are used');
  const sectorOffset = (n: number) => (n + 1) * ssz;
  const fatNext = (n: number): number => {
    const perSector = ssz / 4;
    const fs = fatSectors[Math.floor(n / perSector)];
    if (fs === undefined) return END_OF_CHAIN;
    const b = reader.get(sectorOffset(fs) + (n % perSector) * 4, 4);
    return b.length === 4 ? b.readUInt32LE(0) : END_OF_CHAIN;
  };
  const chain = (start: number, next: (n: number) => number, maxSectors: number): number[] => {
    const out: number[] = [];
    const seen = new Set<number>();
    for (let n = start; n < 0xfffffffa && out.length < Math.min(maxSectors, MAX_CHAIN); n = next(n)) {
      if (seen.has(n)) {
        warnings.push(`sector chain loops at sector ${n}`);
        break;
      }
      seen.add(n);
      out.push(n);
    }
    return out;
  };

  const entries: CfbEntry[] = [];
  for (const s of chain(h.readUInt32LE(0x30), fatNext, Math.ceil((MAX_DIR_ENTRIES * 128) / ssz))) {
    const sector = reader.get(sectorOffset(s), ssz);
    for (let i = 0; i + 128 <= sector.length && entries.length < MAX_DIR_ENTRIES; i += 128) {
      const e = sector.subarray(i, i + 128);
      const nameLen = Math.min(e.readUInt16LE(0x40), 64);
      const type = e[0x42]!;
      if (type === 0) continue;
      entries.push({ name: e.toString('utf16le', 0, Math.max(0, nameLen - 2)), type, start: e.readUInt32LE(0x74), size: e.readUInt32LE(0x78) });
    }
  }

  const cutoff = h.readUInt32LE(0x38) || 4096;
  const root = entries.find((e) => e.type === 5);
  // The mini-FAT and the root's chain, followed once: a Jump List reads hundreds of small streams.
  let mini: { miniFat: number[]; rootChain: number[] } | null = null;
  const miniChains = (rootEntry: CfbEntry) => (mini ??= { miniFat: chain(h.readUInt32LE(0x3c), fatNext, 4096), rootChain: chain(rootEntry.start, fatNext, Math.ceil(rootEntry.size / ssz) + 1) });
  const streamHead = (name: string, max: number): Buffer => {
    const e = entries.find((x) => x.type === 2 && x.name.toLowerCase() === name.toLowerCase());
    if (!e) return Buffer.alloc(0);
    const want = Math.min(e.size, max);
    if (e.size >= cutoff || !root) {
      const parts = chain(e.start, fatNext, Math.ceil(want / ssz)).map((s) => reader.get(sectorOffset(s), ssz));
      return Buffer.concat(parts).subarray(0, want);
    }
    // Small streams live in the mini stream (64-byte sectors inside the root entry's chain).
    const { miniFat, rootChain } = miniChains(root);
    const miniNext = (n: number): number => {
      const perSector = ssz / 4;
      const fs = miniFat[Math.floor(n / perSector)];
      if (fs === undefined) return END_OF_CHAIN;
      const b = reader.get(sectorOffset(fs) + (n % perSector) * 4, 4);
      return b.length === 4 ? b.readUInt32LE(0) : END_OF_CHAIN;
    };
    const parts = chain(e.start, miniNext, Math.ceil(want / 64)).map((m) => {
      const byteInMini = m * 64;
      const s = rootChain[Math.floor(byteInMini / ssz)];
      return s === undefined ? Buffer.alloc(0) : reader.get(sectorOffset(s) + (byteInMini % ssz), 64);
    });
    return Buffer.concat(parts).subarray(0, want);
  };
  return { entries, warnings, streamHead };
}
