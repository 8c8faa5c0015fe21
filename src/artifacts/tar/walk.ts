/**
 * Walks tar headers over any positioned reader (a file, or the bounded decompressed head of a
 * compressed stream). Handles GNU long names (L/K), pax extended headers (x/g: path, size, mtime)
 * and GNU multi-volume continuations (M). Bounded by entry count and by the data available.
 */
import { LIMITS } from '../../util/limits.js';
import { unixSecondsToIso } from '../../util/filetime.js';
import type { ArchiveEntry } from '../archive/summary.js';
import { BLOCK, isZeroBlock, readHeader, type TarDialect } from './layout.js';

/** Longest GNU long-name or pax record block we read. */
const MAX_META_BYTES = 1024 * 1024;

export interface TarWalk {
  entries: ArchiveEntry[];
  warnings: string[];
  /** Stopped before the end-of-archive marker (limit, damage or end of data). */
  truncated: boolean;
  damaged: boolean;
  dialects: TarDialect[];
  multiVolume: boolean;
  endMarker: boolean;
}

export function walkTar(read: (pos: number, len: number) => Buffer, size: number, maxEntries: number = LIMITS.maxArchiveEntries): TarWalk {
  const w: TarWalk = { entries: [], warnings: [], truncated: false, damaged: false, dialects: [], multiVolume: false, endMarker: false };
  let pos = 0;
  let longName: string | null = null;
  let pax: Record<string, string> = {};
  let global: Record<string, string> = {};
  while (pos + BLOCK <= size) {
    const block = read(pos, BLOCK);
    if (block.length < BLOCK) break;
    if (isZeroBlock(block)) {
      w.endMarker = true;
      return w;
    }
    const h = readHeader(block);
    if (!h) {
      w.warnings.push(`bad tar header (checksum) at offset ${pos} after ${w.entries.length} entries`);
      w.damaged = true;
      w.truncated = true;
      return w;
    }
    if (!w.dialects.includes(h.dialect)) w.dialects.push(h.dialect);
    const dataStart = pos + BLOCK;
    const next = dataStart + Math.ceil(h.size / BLOCK) * BLOCK;
    if (h.type === 'L' || h.type === 'K' || h.type === 'x' || h.type === 'g') {
      const meta = read(dataStart, Math.min(h.size, MAX_META_BYTES));
      if (h.type === 'L') longName = meta.toString('utf8').replace(/\0.*$/s, '');
      else if (h.type === 'x') pax = parsePax(meta);
      else if (h.type === 'g') global = { ...global, ...parsePax(meta) };
      pos = next;
      continue;
    }
    if (h.type === 'M') w.multiVolume = true;
    if (w.entries.length >= maxEntries) {
      w.truncated = true;
      w.warnings.push(`listing stopped at ${maxEntries} entries`);
      return w;
    }
    const attrs = { ...global, ...pax };
    const size = attrs.size !== undefined && /^\d+$/.test(attrs.size) ? Number(attrs.size) : h.size;
    const mtime = attrs.mtime !== undefined && Number.isFinite(Number(attrs.mtime)) ? Number(attrs.mtime) : h.mtime;
    const name = attrs.path ?? longName ?? h.name;
    w.entries.push({
      name,
      size,
      compressedSize: null,
      modified: mtime === null ? null : unixSecondsToIso(mtime),
      encrypted: false,
      isDirectory: h.type === '5' || name.endsWith('/'),
      method: null,
    });
    longName = null;
    pax = {};
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  w.truncated = true;
  if (pos < size || pos > size) {
    w.warnings.push(`tar data ends inside an entry (${w.entries.length} entries read)`);
    w.damaged = true;
  } else w.warnings.push('no end-of-archive marker');
  return w;
}

/** pax records: "<len> <key>=<value>\n", lengths in decimal, bounded by the buffer. */
function parsePax(buf: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < buf.length) {
    const space = buf.indexOf(0x20, i);
    if (space < 0) break;
    const len = Number(buf.toString('latin1', i, space));
    if (!Number.isInteger(len) || len <= space - i || i + len > buf.length) break;
    const rec = buf.toString('utf8', space + 1, i + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}
