/**
 * Partition tables: MBR (with the extended/logical chain) and GPT, or a bare file system.
 * Pure: reads the media ByteSource only. Every count and offset is bounded; an EBR chain that
 * loops or runs past the disk ends with a warning and the partitions found so far.
 */
import type { ByteSource } from '../../../util/byte-source.js';
import { readExact } from '../container/block-source.js';

export interface Partition {
  /** 1-based position in table order (the `#p2` of a root label). */
  number: number;
  /** mmls-style slot: `000:001` (MBR table:entry) or `003` (GPT entry). */
  slot: string;
  startSector: number;
  sectors: number;
  sectorSize: number;
  /** MBR type byte as `0x83`, or the GPT type GUID. */
  type: string;
  /** mmls-style description: `Linux (0x83)`, or the GPT partition name. */
  description: string;
  scheme: 'mbr' | 'gpt';
}

export interface VolumeLayout {
  scheme: 'mbr' | 'gpt' | 'none';
  sectorSize: number;
  partitions: Partition[];
  warnings: string[];
}

/** Logical partitions followed along an EBR chain before stopping (Windows allows ~128). */
const MAX_LOGICAL = 256;
/** GPT entries read (the standard array has 128; tools allow more, never thousands). */
const MAX_GPT_ENTRIES = 4096;

/** The names mmls prints for common MBR types (TSK's dos partition type table). */
const MBR_TYPES: Record<number, string> = {
  0x01: 'DOS FAT12',
  0x04: 'DOS FAT16 (<32MB)',
  0x05: 'DOS Extended',
  0x06: 'DOS FAT16 (>32MB)',
  0x07: 'NTFS / exFAT',
  0x0b: 'Win95 FAT32',
  0x0c: 'Win95 FAT32 (0x0C)',
  0x0e: 'Win95 FAT16',
  0x0f: 'Win95 Extended',
  0x11: 'OS/2 Hidden FAT12',
  0x12: 'Hibernation',
  0x17: 'Hidden NTFS',
  0x1b: 'Hidden Win95 FAT32',
  0x27: 'Windows Recovery',
  0x42: 'Win LVM / Secure FS',
  0x82: 'Linux Swap / Solaris x86',
  0x83: 'Linux',
  0x85: 'Linux Extended',
  0x8e: 'Linux Logical Volume Manager',
  0xa5: 'FreeBSD',
  0xa8: 'Mac OSX',
  0xaf: 'Mac OSX HFS',
  0xee: 'GPT Safety Partition',
  0xef: 'EFI File System',
  0xfd: 'Linux RAID',
};
const EXTENDED = new Set([0x05, 0x0f, 0x85]);

function mbrDescription(t: number): string {
  return `${MBR_TYPES[t] ?? 'Unknown Type'} (0x${t.toString(16).padStart(2, '0')})`;
}

function pad3(n: number): string {
  return String(n).padStart(3, '0');
}

interface MbrEntry {
  type: number;
  start: number;
  sectors: number;
}

function mbrEntries(sector: Buffer): MbrEntry[] {
  const out: MbrEntry[] = [];
  for (let i = 0; i < 4; i++) {
    const e = sector.subarray(446 + 16 * i, 462 + 16 * i);
    out.push({ type: e[4]!, start: e.readUInt32LE(8), sectors: e.readUInt32LE(12) });
  }
  return out;
}

function hasBootSignature(s: Buffer | null): s is Buffer {
  return !!s && s.length >= 512 && s[510] === 0x55 && s[511] === 0xaa;
}

/** A sector-0 boot record of a file system (FAT/NTFS/exFAT) rather than a partition table. */
function looksLikeVbr(s: Buffer): boolean {
  const oem = s.toString('latin1', 3, 11);
  if (oem === 'NTFS    ' || oem === 'EXFAT   ') return true;
  const bps = s.readUInt16LE(11);
  const spc = s[13]!;
  return (s[0] === 0xeb || s[0] === 0xe9) && [512, 1024, 2048, 4096].includes(bps) && spc > 0 && (spc & (spc - 1)) === 0 && s.readUInt16LE(14) > 0 && s[16]! >= 1 && s[16]! <= 4;
}

function readGpt(media: ByteSource, sectorSize: number, warnings: string[]): Partition[] | null {
  const h = readExact(media, sectorSize, 92);
  if (!h || h.toString('latin1', 0, 8) !== 'EFI PART') return null;
  const entriesLba = Number(h.readBigUInt64LE(72));
  let count = h.readUInt32LE(80);
  const entrySize = h.readUInt32LE(84);
  if (entrySize < 128 || entrySize > 4096 || entrySize % 8 !== 0) {
    warnings.push(`GPT: entry size ${entrySize} not usable`);
    return [];
  }
  if (count > MAX_GPT_ENTRIES) {
    warnings.push(`GPT: ${count} entries claimed; the first ${MAX_GPT_ENTRIES} read`);
    count = MAX_GPT_ENTRIES;
  }
  const out: Partition[] = [];
  const diskSectors = Math.floor(media.size / sectorSize);
  for (let i = 0; i < count; i++) {
    const e = readExact(media, entriesLba * sectorSize + i * entrySize, 128);
    if (!e) {
      warnings.push(`GPT: entry ${i} lies outside the disk`);
      break;
    }
    if (e.subarray(0, 16).equals(Buffer.alloc(16))) continue;
    const first = Number(e.readBigUInt64LE(32));
    const last = Number(e.readBigUInt64LE(40));
    if (last < first) {
      warnings.push(`GPT: entry ${i} ends before it starts`);
      continue;
    }
    if (first >= diskSectors) warnings.push(`GPT: entry ${i} starts past the end of the disk`);
    const nameRaw = e.subarray(56, 128).toString('utf16le');
    const nul = nameRaw.indexOf('\0');
    out.push({
      number: out.length + 1,
      slot: pad3(i),
      startSector: first,
      sectors: last - first + 1,
      sectorSize,
      type: guidText(e.subarray(0, 16)),
      description: nul < 0 ? nameRaw : nameRaw.slice(0, nul),
      scheme: 'gpt',
    });
  }
  return out;
}

export function guidText(b: Buffer): string {
  const rev = (x: Buffer): string => Buffer.from(x).reverse().toString('hex');
  return `${rev(b.subarray(0, 4))}-${rev(b.subarray(4, 6))}-${rev(b.subarray(6, 8))}-${b.subarray(8, 10).toString('hex')}-${b.subarray(10, 16).toString('hex')}`.toUpperCase();
}

export function readVolumeLayout(media: ByteSource): VolumeLayout {
  const warnings: string[] = [];
  const s0 = readExact(media, 0, 512);
  if (!hasBootSignature(s0) || looksLikeVbr(s0)) return { scheme: 'none', sectorSize: 512, partitions: [], warnings };
  const primary = mbrEntries(s0);
  if (primary.some((e) => e.type === 0xee)) {
    for (const ss of [512, 4096]) {
      const g = readGpt(media, ss, warnings);
      if (g) return { scheme: 'gpt', sectorSize: ss, partitions: g, warnings };
    }
    warnings.push('protective MBR without a GPT header; MBR entries used');
  }
  const diskSectors = Math.floor(media.size / 512);
  const parts: Partition[] = [];
  const add = (table: number, slot: number, e: MbrEntry, base: number): void => {
    const start = base + e.start;
    if (start >= diskSectors) warnings.push(`MBR: partition ${table}:${slot} starts past the end of the disk`);
    parts.push({ number: parts.length + 1, slot: `${pad3(table)}:${pad3(slot)}`, startSector: start, sectors: e.sectors, sectorSize: 512, type: `0x${e.type.toString(16).padStart(2, '0')}`, description: mbrDescription(e.type), scheme: 'mbr' });
  };
  let extendedStart = -1;
  primary.forEach((e, i) => {
    if (e.type === 0 || e.sectors === 0) return;
    if (EXTENDED.has(e.type)) {
      if (extendedStart < 0) extendedStart = e.start;
      return;
    }
    add(0, i, e, 0);
  });
  if (extendedStart >= 0) {
    const visited = new Set<number>();
    let ebr = extendedStart;
    for (let table = 1; table <= MAX_LOGICAL; table++) {
      if (visited.has(ebr)) {
        warnings.push(`MBR: extended partition chain loops at sector ${ebr}`);
        break;
      }
      visited.add(ebr);
      const s = readExact(media, ebr * 512, 512);
      if (!hasBootSignature(s)) {
        warnings.push(`MBR: extended boot record at sector ${ebr} missing or unsigned`);
        break;
      }
      const entries = mbrEntries(s);
      let next = -1;
      entries.forEach((e, i) => {
        if (e.type === 0 || e.sectors === 0) return;
        if (EXTENDED.has(e.type)) {
          if (next < 0) next = extendedStart + e.start;
        } else add(table, i, e, ebr);
      });
      if (next < 0) break;
      ebr = next;
      if (table === MAX_LOGICAL) warnings.push(`MBR: more than ${MAX_LOGICAL} logical partitions; the rest is not read`);
    }
  }
  return { scheme: 'mbr', sectorSize: 512, partitions: parts, warnings };
}
