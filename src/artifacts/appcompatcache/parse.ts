/**
 * AppCompatCache value bytes to entries (path, last modified time of the file, position): Windows
 * 7 x86/x64, 8, 8.1, 10 and 11. Pure and bounded (LIMITS.maxShimCacheEntries); a damaged value
 * gives the entries before the damage and a warning.
 */
import { filetimeToIso } from '../../util/filetime.js';
import { LIMITS } from '../../util/limits.js';
import { ENTRY, WIN10, WIN7, WIN8 } from './layout.js';

export type ShimCacheFormat = 'Windows 7 x64' | 'Windows 7 x86' | 'Windows 8' | 'Windows 8.1' | 'Windows 10';

export interface ShimCacheEntry {
  /** 0-based position in the cache (0 = most recently added/updated). */
  position: number;
  path: string;
  /** The file's last modification time ($SI), not a run time. */
  lastModified: string | null;
  /** Windows 7/8 insert flag 0x2 ("executed", per Mandiant); null where the format has none. */
  executed: boolean | null;
}

export interface ShimCacheParse {
  format: ShimCacheFormat | null;
  entries: ShimCacheEntry[];
  warnings: string[];
}

function filetimeAt(b: Buffer, off: number): string | null {
  return off + 8 <= b.length ? filetimeToIso(b.readBigUInt64LE(off)) : null;
}

function utf16(b: Buffer, start: number, bytes: number): string | null {
  if (start < 0 || bytes < 0 || start + bytes > b.length || bytes > LIMITS.maxNameBytes) return null;
  return b.toString('utf16le', start, start + bytes - (bytes % 2));
}

function parseWin7(b: Buffer, out: ShimCacheParse): void {
  const declared = b.readUInt32LE(WIN7.COUNT);
  const count = Math.min(declared, LIMITS.maxShimCacheEntries);
  if (declared > count) out.warnings.push(`${declared} entries declared: only ${count} read`);
  // x64 entries have 4 bytes of padding where x86 keeps the path offset: tell them by a sane path.
  const first = WIN7.HEADER_BYTES;
  const x64 = b.length >= first + WIN7.X64_ENTRY && b.readUInt32LE(first + 4) === 0 && Number(b.readBigUInt64LE(first + 8)) < b.length;
  out.format = x64 ? 'Windows 7 x64' : 'Windows 7 x86';
  const size = x64 ? WIN7.X64_ENTRY : WIN7.X86_ENTRY;
  for (let i = 0; i < count; i++) {
    const at = first + i * size;
    if (at + size > b.length) {
      out.warnings.push(`entry ${i} of ${declared} lies past the value (${b.length} bytes)`);
      return;
    }
    const pathBytes = b.readUInt16LE(at);
    const pathOffset = x64 ? Number(b.readBigUInt64LE(at + 8)) : b.readUInt32LE(at + 4);
    const path = utf16(b, pathOffset, pathBytes);
    if (path === null) {
      out.warnings.push(`entry ${i}: path (${pathBytes} bytes at ${pathOffset}) lies past the value`);
      continue;
    }
    const flags = b.readUInt32LE(at + (x64 ? 0x18 : 0x10));
    out.entries.push({ position: i, path, lastModified: filetimeAt(b, at + (x64 ? 0x10 : 0x08)), executed: (flags & 0x2) !== 0 });
  }
}

/** "00ts"/"10ts" entries from `start` (Windows 8, 8.1, 10, 11). */
function parseSignedEntries(b: Buffer, start: number, format: ShimCacheFormat, out: ShimCacheParse): void {
  out.format = format;
  let at = start;
  while (at + ENTRY.PATH <= b.length) {
    if (out.entries.length >= LIMITS.maxShimCacheEntries) {
      out.warnings.push(`more than ${LIMITS.maxShimCacheEntries} entries: the rest left out`);
      return;
    }
    const sig = b.readUInt32LE(at + ENTRY.SIGNATURE);
    if (sig !== WIN8.SIG_80 && sig !== WIN8.SIG_81) {
      out.warnings.push(`no entry signature at ${at} (entry ${out.entries.length})`);
      return;
    }
    const entryEnd = at + ENTRY.HEAD + b.readUInt32LE(at + ENTRY.SIZE);
    const pathBytes = b.readUInt16LE(at + ENTRY.PATH_BYTES);
    const path = utf16(b, at + ENTRY.PATH, pathBytes);
    if (entryEnd > b.length || path === null || at + ENTRY.PATH + pathBytes > entryEnd) {
      out.warnings.push(`entry ${out.entries.length} at ${at} runs past the value`);
      return;
    }
    let p = at + ENTRY.PATH + pathBytes;
    let executed: boolean | null = null;
    if (format === 'Windows 8.1') p += 2 + (p + 2 <= b.length ? b.readUInt16LE(p) : 0); // package name
    if (format !== 'Windows 10') {
      executed = p + 4 <= entryEnd ? (b.readUInt32LE(p) & 0x2) !== 0 : null; // insert flags, then shim flags
      p += 8;
    }
    out.entries.push({ position: out.entries.length, path, lastModified: p + 8 <= entryEnd ? filetimeAt(b, p) : null, executed });
    at = entryEnd;
  }
}

/** Parses one AppCompatCache value; format null (and a warning) when the layout is not one we know. */
export function parseShimCache(b: Buffer): ShimCacheParse {
  const out: ShimCacheParse = { format: null, entries: [], warnings: [] };
  if (b.length < 8) {
    out.warnings.push(`value of ${b.length} bytes is too short`);
    return out;
  }
  const first = b.readUInt32LE(0);
  if (first === WIN7.MAGIC) parseWin7(b, out);
  else if (WIN10.HEADER_SIZES.includes(first) && b.length >= first + 4 && b.readUInt32LE(first) === WIN10.SIG) parseSignedEntries(b, first, 'Windows 10', out);
  else if (first === WIN8.HEADER_BYTES && b.length >= WIN8.HEADER_BYTES + 4) {
    const sig = b.readUInt32LE(WIN8.HEADER_BYTES);
    if (sig === WIN8.SIG_80) parseSignedEntries(b, WIN8.HEADER_BYTES, 'Windows 8', out);
    else if (sig === WIN8.SIG_81) parseSignedEntries(b, WIN8.HEADER_BYTES, 'Windows 8.1', out);
    else out.warnings.push('unknown AppCompatCache layout (128-byte header without an entry signature)');
  } else out.warnings.push(`unknown AppCompatCache layout (header 0x${first.toString(16)})`);
  return out;
}
