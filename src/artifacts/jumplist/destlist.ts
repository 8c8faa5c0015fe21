/**
 * The DestList stream of an AutomaticDestinations-ms Jump List: the MRU/MFU list of the entries
 * whose LNK streams are named by their entry number in hex. Facts after the ForensicsWiki "Jump
 * Lists" page, libyal dtformats "Jump lists format" and the corpus' own parse (version 1 = Windows
 * 7 / 8.x, 3 and 4 = Windows 10 / 11).
 * Header (32 bytes): 0x00 u32 version, 0x04 u32 entry count, 0x08 u32 pinned count, 0x0c f32,
 *   0x10 u32 last entry number, 0x14 u32, 0x18 u32 last revision, 0x1c u32.
 * Entry: 0x00 u64 checksum, 0x08 GUID volume droid, 0x18 GUID file droid, 0x28 GUID birth volume
 *   droid, 0x38 GUID birth file droid, 0x48 char[16] NetBIOS host name, 0x58 u32 entry number,
 *   0x5c u32, 0x60 f32 score, 0x64 FILETIME last opened, 0x6c i32 pin status (-1 = not pinned);
 *   v1: 0x70 u16 path length (characters), 0x72 UTF-16 path;
 *   v3+: 0x70 u32, 0x74 u32 access count, 0x78 u64, 0x80 u16 path length, 0x82 UTF-16 path, then u32.
 */
import { filetimeToIso } from '../../util/filetime.js';
import { guidAt } from '../shell-items/parse.js';

export const DESTLIST_HEADER = 32;

export interface DestListEntry {
  /** Byte offset of the entry in the stream. */
  offset: number;
  entryNumber: number;
  /** The LNK stream holding the entry's shortcut: the entry number in lower-case hex. */
  streamName: string;
  hostname: string;
  score: number;
  lastModified: string | null;
  pinStatus: number;
  pinned: boolean;
  /** Windows 10+ only (null before). */
  accessCount: number | null;
  path: string;
  volumeDroid: string;
  fileDroid: string;
  volumeDroidBirth: string;
  fileDroidBirth: string;
}

export interface DestList {
  version: number;
  entryCount: number;
  pinnedCount: number;
  lastEntryNumber: number;
  entries: DestListEntry[];
  /** Offset where reading stopped (the stream's size when every entry was read). */
  endOffset: number;
  warnings: string[];
}

export function parseDestList(b: Buffer, maxEntries: number): DestList | null {
  if (b.length < DESTLIST_HEADER) return null;
  const version = b.readUInt32LE(0);
  const out: DestList = {
    version,
    entryCount: b.readUInt32LE(4),
    pinnedCount: b.readUInt32LE(8),
    lastEntryNumber: b.readUInt32LE(0x10),
    entries: [],
    endOffset: DESTLIST_HEADER,
    warnings: [],
  };
  if (version !== 1 && version !== 2 && version !== 3 && version !== 4) {
    out.warnings.push(`DestList version ${version} is not known (1, 3, 4)`);
    return out;
  }
  const v1 = version < 3;
  const pathLengthAt = v1 ? 0x70 : 0x80;
  let o = DESTLIST_HEADER;
  while (o + pathLengthAt + 2 <= b.length && out.entries.length < Math.min(out.entryCount, maxEntries)) {
    const chars = b.readUInt16LE(o + pathLengthAt);
    const end = o + pathLengthAt + 2 + chars * 2 + (v1 ? 0 : 4);
    if (end > b.length) {
      out.warnings.push(`DestList entry at ${o} runs past the end of the stream`);
      break;
    }
    const entryNumber = b.readUInt32LE(o + 0x58);
    const pinStatus = b.readInt32LE(o + 0x6c);
    out.entries.push({
      offset: o,
      entryNumber,
      streamName: entryNumber.toString(16),
      hostname: b.toString('latin1', o + 0x48, o + 0x58).replace(/\0.*$/s, ''),
      score: Math.round(b.readFloatLE(o + 0x60) * 1000) / 1000,
      lastModified: filetimeToIso(b.readBigUInt64LE(o + 0x64)),
      pinStatus,
      pinned: pinStatus !== -1,
      accessCount: v1 ? null : b.readUInt32LE(o + 0x74),
      path: b.toString('utf16le', o + pathLengthAt + 2, o + pathLengthAt + 2 + chars * 2),
      volumeDroid: guidAt(b, o + 0x08),
      fileDroid: guidAt(b, o + 0x18),
      volumeDroidBirth: guidAt(b, o + 0x28),
      fileDroidBirth: guidAt(b, o + 0x38),
    });
    o = end;
  }
  out.endOffset = o;
  if (out.entries.length < out.entryCount && out.entries.length < maxEntries) out.warnings.push(`DestList announces ${out.entryCount} entries; ${out.entries.length} were read`);
  if (out.entryCount > maxEntries) out.warnings.push(`DestList announces ${out.entryCount} entries; only the first ${maxEntries} are kept`);
  return out;
}
