/**
 * freedesktop.org Trash `.trashinfo` files (Trash spec 1.0): an INI group `[Trash Info]` with
 * `Path=` (percent-encoded, absolute, or relative to the trash's top directory) and
 * `DeletionDate=YYYY-MM-DDThh:mm:ss` in local time without a zone. Pure: bytes in, record out.
 */
import type { ByteSource } from '../../util/byte-source.js';
import type { ArtifactRecord } from '../types.js';
import { pushAll } from '../../util/arrays.js';
import { UNKNOWN_LOCAL_ZONE } from '../../model/system.js';
import { isRealDateTime } from '../../util/filetime.js';

/** A real .trashinfo is ~100 bytes; anything past this is not read. */
export const MAX_TRASHINFO_BYTES = 64 * 1024;
/** Longest line kept (a path of PATH_MAX 4096 bytes percent-encoded is at most 12,288 characters). */
export const MAX_TRASHINFO_LINE = 16 * 1024;

export interface TrashInfoParse {
  record: ArtifactRecord | null;
  warnings: string[];
  corrupted: boolean;
}

/** Decodes %XX escapes to bytes, then UTF-8; invalid UTF-8 bytes become \xNN, NUL and '/' tricks are flagged. */
export function decodeTrashPath(encoded: string, warnings: string[]): string {
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const m = encoded[i] === '%' ? /^[0-9A-Fa-f]{2}$/.exec(encoded.slice(i + 1, i + 3)) : null;
    if (m) {
      bytes.push(parseInt(m[0], 16));
      i += 2;
    } else {
      if (encoded[i] === '%') warnings.push(`malformed percent escape at column ${i + 1} kept literally`);
      pushAll(bytes, Buffer.from(encoded[i]!, 'utf8'));
    }
  }
  const buf = Buffer.from(bytes);
  if (buf.includes(0)) warnings.push('Path holds an encoded NUL (%00): shown as \\x00, the name is cut there on disk');
  if (/%2f/i.test(encoded)) warnings.push('Path encodes "/" as %2F: decoded as a separator');
  return bytesToDisplay(buf, warnings);
}

function bytesToDisplay(buf: Buffer, warnings: string[]): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return text.replace(/\0/g, '\\x00');
  } catch {
    warnings.push('Path is not valid UTF-8 after decoding; invalid bytes shown as \\xNN');
    let out = '';
    for (let i = 0; i < buf.length; ) {
      const len = utf8Length(buf, i);
      if (len > 0) {
        out += buf.subarray(i, i + len).toString('utf8');
        i += len;
      } else {
        out += `\\x${buf[i]!.toString(16).padStart(2, '0')}`;
        i++;
      }
    }
    return out.replace(/\0/g, '\\x00');
  }
}

/** Length of a valid UTF-8 sequence at i, or 0. */
function utf8Length(buf: Buffer, i: number): number {
  const b = buf[i]!;
  const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
  if (len <= 1 || i + len > buf.length) return len === 1 ? 1 : 0;
  const chunk = buf.subarray(i, i + len);
  return Buffer.from(chunk.toString('utf8'), 'utf8').equals(chunk) && !chunk.toString('utf8').includes('\ufffd') ? len : 0;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

/** Validates a DeletionDate and returns it unchanged (no zone: the image's zone is unknown). */
export function checkDeletionDate(value: string, warnings: string[]): string | null {
  const m = DATE.exec(value);
  if (!m) {
    warnings.push(`DeletionDate "${value.slice(0, 64)}" is not YYYY-MM-DDThh:mm:ss`);
    return null;
  }
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (!isRealDateTime(y, mo, d, h, mi, s)) {
    warnings.push(`DeletionDate "${value}" is not a real date`);
    return null;
  }
  return value;
}

/** Resolves a relative Path against the trash's top directory (the mount point of the partition). */
function resolvePath(decoded: string, topDir: string | null): string {
  if (decoded.startsWith('/') || topDir === null) return decoded;
  return `${topDir.replace(/\/$/, '')}/${decoded}`;
}

export function parseTrashInfo(src: ByteSource, topDir: string | null): TrashInfoParse {
  const warnings: string[] = [];
  const buf = src.read(0, Math.min(src.size, MAX_TRASHINFO_BYTES));
  if (src.size > MAX_TRASHINFO_BYTES) warnings.push(`file is ${src.size} bytes; only the first ${MAX_TRASHINFO_BYTES} are read`);
  // eslint-disable-next-line no-control-regex
  const binary = (buf.toString('latin1').match(/[\u0000-\u0008\u000e-\u001f]/g)?.length ?? 0) > buf.length / 10;
  if (binary) warnings.push('file looks like binary data');
  const lines = buf.toString('utf8').split(/\r?\n/);
  let group: string | null = null;
  let sawHeader = false;
  let rawPath: string | null = null;
  let rawDate: string | null = null;
  for (let line of lines) {
    if (line.length > MAX_TRASHINFO_LINE) {
      warnings.push(`line of ${line.length} characters truncated to ${MAX_TRASHINFO_LINE}`);
      line = line.slice(0, MAX_TRASHINFO_LINE);
    }
    const header = /^\[(.*)\]\s*$/.exec(line);
    if (header) {
      group = header[1]!;
      sawHeader ||= group === 'Trash Info';
      continue;
    }
    if (group !== 'Trash Info') continue;
    // The spec says the first Path/DeletionDate wins; later duplicates are a sign of tampering.
    if (line.startsWith('Path=')) {
      if (rawPath === null) rawPath = line.slice(5);
      else warnings.push('duplicate Path= ignored');
    } else if (line.startsWith('DeletionDate=')) {
      if (rawDate === null) rawDate = line.slice(13).trim();
      else warnings.push('duplicate DeletionDate= ignored');
    }
  }
  if (!sawHeader) warnings.push('no [Trash Info] group');
  if (rawPath === null) warnings.push('no Path= key');
  if (rawDate === null) warnings.push('no DeletionDate= key');
  if (!sawHeader && rawPath === null) return { record: null, warnings, corrupted: true };
  const decoded = rawPath === null ? '' : decodeTrashPath(rawPath, warnings);
  const deletedAt = rawDate === null ? null : checkDeletionDate(rawDate, warnings);
  const record: ArtifactRecord = {
    type: 'trash-entry',
    originalPath: resolvePath(decoded, topDir),
    originalPathEncoded: rawPath,
    relative: rawPath !== null && !decoded.startsWith('/'),
    deletedAt,
    timezone: UNKNOWN_LOCAL_ZONE,
  };
  return { record, warnings, corrupted: binary || warnings.length > 0 };
}
