/**
 * Scan for local file headers from the front of the file: the cross-check for fake or missing
 * end records, truncated archives and encrypted central directories (bit 13).
 * Follows the chain of headers by their sizes and falls back to a byte search, within budgets.
 */
import type { ByteSource } from '../../util/byte-source.js';
import { LIMITS } from '../../util/limits.js';
import { WindowReader, MAX_WINDOW_READ } from '../archive/window.js';
import { FLAG_DATA_DESCRIPTOR, LOCAL_FIXED, applyZip64Extra, parseExtras, readLocalFixed, type RawZipEntry } from './layout.js';

/** Bytes searched byte-by-byte for signatures before the scan gives up (chain jumps are free). */
export const LOCAL_SCAN_BUDGET = 64 * 1024 * 1024;
const LOCAL_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const CENTRAL_MAGIC = Buffer.from([0x50, 0x4b, 0x01, 0x02]);

export interface LocalScan {
  entries: RawZipEntry[];
  /** The scan stopped at its budget or entry limit before the end of the file. */
  truncated: boolean;
  firstOffset: number | null;
}

export function scanLocalHeaders(src: ByteSource, startAt = 0): LocalScan {
  const reader = new WindowReader(src);
  const entries: RawZipEntry[] = [];
  let searched = 0;
  let pos = findMagic(reader, startAt, () => searched, (n) => (searched += n));
  const firstOffset = pos;
  while (pos !== null && entries.length < LIMITS.maxArchiveEntries) {
    const head = readLocalFixed(reader.get(pos, LOCAL_FIXED), pos);
    if (!head) break;
    const vars = reader.get(pos + LOCAL_FIXED, head.nameLen + head.extraLen);
    const e = head.entry;
    e.nameRaw = Buffer.from(vars.subarray(0, head.nameLen));
    e.extras = parseExtras(vars.subarray(head.nameLen)).fields.map((f) => ({ id: f.id, data: Buffer.from(f.data) }));
    applyZip64Extra(e);
    entries.push(e);
    const dataStart = pos + LOCAL_FIXED + head.nameLen + head.extraLen;
    const sizeKnown = !(e.flags & FLAG_DATA_DESCRIPTOR) || e.compressedSize > 0;
    const jump = dataStart + e.compressedSize;
    if (sizeKnown && jump + 4 <= src.size) {
      const sig = reader.get(jump, 4);
      if (sig.equals(LOCAL_MAGIC)) {
        pos = jump;
        continue;
      }
      if (sig.equals(CENTRAL_MAGIC)) break; // reached the central directory: no more local headers
    }
    if (searched >= LOCAL_SCAN_BUDGET) break;
    pos = findMagic(reader, dataStart, () => searched, (n) => (searched += n));
  }
  const truncated = (entries.length >= LIMITS.maxArchiveEntries || searched >= LOCAL_SCAN_BUDGET);
  return { entries, truncated, firstOffset };
}

function findMagic(reader: WindowReader, from: number, used: () => number, spend: (n: number) => void): number | null {
  let pos = from;
  while (pos < reader.size && used() < LOCAL_SCAN_BUDGET) {
    const chunk = reader.get(pos, MAX_WINDOW_READ);
    if (chunk.length < 4) return null;
    const hit = chunk.indexOf(LOCAL_MAGIC);
    if (hit >= 0) {
      spend(hit);
      return pos + hit;
    }
    spend(chunk.length - 3);
    pos += chunk.length - 3; // overlap so a signature across the boundary is found
  }
  return null;
}
