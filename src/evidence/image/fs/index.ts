/** Which file system a partition holds, and its reader. */
import type { ByteSource } from '../../../util/byte-source.js';
import type { EvidenceFs } from '../../fs.js';
import { readExact } from '../container/block-source.js';
import { ExtFs, isExt } from './ext.js';
import { FatFs } from './fat.js';
import { ExfatFs } from './exfat.js';
import { NtfsFs } from './ntfs.js';

export type FsKind = 'ext' | 'fat' | 'exfat' | 'ntfs' | 'unknown';

export function detectFs(part: ByteSource): FsKind {
  const s = readExact(part, 0, 512);
  if (s) {
    const oem = s.toString('latin1', 3, 11);
    if (oem === 'NTFS    ') return 'ntfs';
    if (oem === 'EXFAT   ') return 'exfat';
  }
  if (isExt(part)) return 'ext';
  if (s && isFatBoot(s)) return 'fat';
  return 'unknown';
}

export function isFatBoot(s: Buffer): boolean {
  if (s.length < 512 || s[510] !== 0x55 || s[511] !== 0xaa) return false;
  const bps = s.readUInt16LE(11);
  const spc = s[13]!;
  const fats = s[16]!;
  return [512, 1024, 2048, 4096].includes(bps) && spc > 0 && (spc & (spc - 1)) === 0 && s.readUInt16LE(14) > 0 && fats >= 1 && fats <= 4 && (s.readUInt16LE(22) > 0 || s.readUInt32LE(36) > 0);
}

/** The reader for the partition's file system, or null with the reason in `warnings`. */
export function openFileSystem(part: ByteSource, label: string, warnings: string[]): EvidenceFs | null {
  const kind = detectFs(part);
  try {
    switch (kind) {
      case 'ext':
        return new ExtFs(part, label);
      case 'fat':
        return new FatFs(part, label);
      case 'ntfs':
        return new NtfsFs(part, label);
      case 'exfat':
        return new ExfatFs(part, label);
      default:
        warnings.push(`${label}: ${kind === 'unknown' ? 'no known file system' : `${kind} not readable yet`}`);
        return null;
    }
  } catch (err) {
    warnings.push(`${label}: ${(err as Error).message}`);
    return null;
  }
}
