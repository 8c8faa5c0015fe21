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
/** Records parsed per pax header (a 1 MiB header holds at most ~170,000 six-byte records). */
const MAX_PAX_RECORDS = 10_000;

/**
 * The only pax keys the listing uses. Everything else is dropped at parse time, so
 * merging the global (`g`) and per-entry (`x`) attributes costs O(1) per entry instead of
 * O(keys): a 1 MiB global header with 100,000 keys used to be copied into every entry.
 */
interface PaxAttrs {
  path?: string;
  size?: string;
  mtime?: string;
}

export interface TarWalk {
  entries: ArchiveEntry[];
  /** Where each entry's data starts in the tar and its type flag (`0` a file, `2` a link...), index for index with `entries` (archive/members.ts reads members by it). */
  data: Array<{ offset: number; type: string }>;
  warnings: string[];
  /** Stopped before the end-of-archive marker (limit, damage or end of data). */
  truncated: boolean;
  damaged: boolean;
  dialects: TarDialect[];
  multiVolume: boolean;
  endMarker: boolean;
}

export function walkTar(read: (pos: number, len: number) => Buffer, size: number, maxEntries: number = LIMITS.maxArchiveEntries): TarWalk {
  const w: TarWalk = { entries: [], data: [], warnings: [], truncated: false, damaged: false, dialects: [], multiVolume: false, endMarker: false };
  let pos = 0;
  let longName: string | null = null;
  let pax: PaxAttrs = {};
  let global: PaxAttrs = {};
  // Names are attacker-sized (a global `path=` applies to every entry): the listing keeps at
  // most LIMITS.maxListedNameBytes of names in total, then stops as truncated.
  let nameBytes = 0;
  let paxDropped = 0;
  const done = (): TarWalk => {
    if (paxDropped > 0) w.warnings.push(`${paxDropped} pax header(s) with over ${MAX_PAX_RECORDS} records: the rest ignored`);
    return w;
  };
  while (pos + BLOCK <= size) {
    const block = read(pos, BLOCK);
    if (block.length < BLOCK) break;
    if (isZeroBlock(block)) {
      w.endMarker = true;
      return done();
    }
    const h = readHeader(block);
    if (!h) {
      w.warnings.push(`bad tar header (checksum) at offset ${pos} after ${w.entries.length} entries`);
      w.damaged = true;
      w.truncated = true;
      return done();
    }
    if (!w.dialects.includes(h.dialect)) w.dialects.push(h.dialect);
    const dataStart = pos + BLOCK;
    const next = dataStart + Math.ceil(h.size / BLOCK) * BLOCK;
    if (h.type === 'L' || h.type === 'K' || h.type === 'x' || h.type === 'g') {
      const meta = read(dataStart, Math.min(h.size, MAX_META_BYTES));
      if (h.type === 'L') longName = boundedName(meta);
      else if (h.type === 'x' || h.type === 'g') {
        const parsed = parsePax(meta);
        paxDropped += parsed.dropped;
        if (h.type === 'x') pax = parsed.attrs;
        else global = { ...global, ...parsed.attrs };
      }
      pos = next;
      continue;
    }
    if (h.type === 'M') w.multiVolume = true;
    if (w.entries.length >= maxEntries) {
      w.truncated = true;
      w.warnings.push(`listing stopped at ${maxEntries} entries`);
      return done();
    }
    const paxSize = pax.size ?? global.size;
    const paxMtime = pax.mtime ?? global.mtime;
    const size = paxSize !== undefined && /^\d{1,16}$/.test(paxSize) ? Number(paxSize) : h.size;
    const mtime = paxMtime !== undefined && Number.isFinite(Number(paxMtime)) ? Number(paxMtime) : h.mtime;
    const name = pax.path ?? global.path ?? longName ?? h.name;
    nameBytes += name.length;
    if (nameBytes > LIMITS.maxListedNameBytes) {
      w.truncated = true;
      w.warnings.push(`listing stopped after ${w.entries.length} entries: names exceed ${LIMITS.maxListedNameBytes} bytes in total`);
      return done();
    }
    w.entries.push({
      name,
      size,
      compressedSize: null,
      modified: mtime === null ? null : unixSecondsToIso(mtime),
      encrypted: false,
      isDirectory: h.type === '5' || name.endsWith('/'),
      method: null,
    });
    w.data.push({ offset: dataStart, type: h.type });
    longName = null;
    pax = {};
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  w.truncated = true;
  if (pos < size || pos > size) {
    w.warnings.push(`tar data ends inside an entry (${w.entries.length} entries read)`);
    w.damaged = true;
  } else w.warnings.push('no end-of-archive marker');
  return done();
}

/** A name from attacker bytes: up to the first NUL, cut to LIMITS.maxNameBytes. */
function boundedName(buf: Buffer): string {
  const nul = buf.indexOf(0);
  const end = Math.min(nul >= 0 ? nul : buf.length, LIMITS.maxNameBytes);
  return buf.toString('utf8', 0, end);
}

/**
 * pax records: "<len> <key>=<value>\n", lengths in decimal, bounded by the buffer. Linear in the
 * header bytes; only the keys in PaxAttrs are kept (values cut to LIMITS.maxNameBytes).
 */
function parsePax(buf: Buffer): { attrs: PaxAttrs; dropped: number } {
  // dropped: 1 when the header had more than MAX_PAX_RECORDS records (the rest is skipped).
  const attrs: PaxAttrs = {};
  let dropped = 0;
  let records = 0;
  let i = 0;
  while (i < buf.length) {
    const space = buf.indexOf(0x20, i);
    if (space < 0 || space - i > 16) break;
    const len = Number(buf.toString('latin1', i, space));
    if (!Number.isInteger(len) || len <= space - i || i + len > buf.length) break;
    if (++records > MAX_PAX_RECORDS) {
      dropped = 1;
      break;
    }
    const eq = buf.indexOf(0x3d, space + 1);
    const recEnd = i + len - 1;
    if (eq > space + 1 && eq < recEnd) {
      const key = buf.toString('latin1', space + 1, eq);
      const value = buf.toString('utf8', eq + 1, Math.min(recEnd, eq + 1 + LIMITS.maxNameBytes));
      if (key === 'path' || key === 'size' || key === 'mtime') attrs[key] = value;
    }
    i += len;
  }
  return { attrs, dropped };
}
