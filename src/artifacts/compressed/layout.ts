/**
 * Single-stream compressor headers: magic and the few header fields worth reporting.
 * gzip (RFC 1952): 0x00 1f 8b, 0x02 CM (8 = deflate), 0x03 FLG, 0x04 MTIME u32, 0x08 XFL, 0x09 OS,
 *   then FEXTRA (u16 len + data), FNAME (C string), FCOMMENT (C string), FHCRC (u16); ISIZE = last 4 bytes.
 * bzip2: 'BZh' + level '1'..'9', then block magic 31 41 59 26 53 59 (or end-of-stream 17 72 45 38 50 90).
 * xz: fd 37 7a 58 5a 00, stream flags 0x06..0x07 (check type in the low nibble of 0x07).
 * zstd: 28 b5 2f fd, frame header descriptor 0x04; skippable frames 0x184d2a50..5f.
 * lz4 frame: 04 22 4d 18 (legacy 02 21 4c 18), FLG 0x04, BD 0x05.
 * lzip: 'LZIP', 0x04 version, 0x05 coded dictionary size.
 * lzma alone (.lzma/.tlz): 0x00 properties (< 225), 0x01 dictionary size u32, 0x05 uncompressed size u64 (all ones = unknown).
 * compress (.Z): 1f 9d, 0x02 flags (bits 0..4 max code bits, 0x80 block mode).
 */
import { cString } from '../archive/names.js';
import { unixSecondsToIso } from '../../util/filetime.js';
import { magicText } from '../claims.js';
import type { ParserClaims } from '../types.js';

export type StreamFormat = 'gzip' | 'bzip2' | 'xz' | 'zstd' | 'lz4' | 'lzip' | 'lzma' | 'compress';

const MAX_GZIP_STRING = 4096;

/** The parser pre-filter's keys for sniffStream (src/artifacts/claims.ts): each magic above, and the LZMA-alone extensions. */
export const STREAM_CLAIMS: ParserClaims = {
  magics: [
    magicText(0, '\x1f\x8b\x08'),
    magicText(0, 'BZh'),
    magicText(0, '\xfd7zXZ\x00'),
    magicText(0, '\x28\xb5\x2f\xfd'),
    // skippable zstd frames: the low nibble of the first byte is free
    ...Array.from({ length: 16 }, (_, n) => ({ at: 0, bytes: Uint8Array.of(0x50 + n, 0x2a, 0x4d, 0x18) })),
    magicText(0, '\x04\x22\x4d\x18'),
    magicText(0, '\x02\x21\x4c\x18'),
    magicText(0, 'LZIP'),
    magicText(0, '\x1f\x9d'),
  ],
  extensions: ['lzma', 'tlz'],
};

export function sniffStream(head: Buffer, name: string): StreamFormat | null {
  if (head.length < 4) return null;
  if (head[0] === 0x1f && head[1] === 0x8b && head[2] === 8) return 'gzip';
  if (head.toString('latin1', 0, 3) === 'BZh' && head[3]! >= 0x31 && head[3]! <= 0x39) return 'bzip2';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  const u32 = head.readUInt32LE(0);
  if (u32 === 0xfd2fb528 || (u32 & 0xfffffff0) === 0x184d2a50) return 'zstd';
  if (u32 === 0x184d2204 || u32 === 0x184c2102) return 'lz4';
  if (head.toString('latin1', 0, 4) === 'LZIP') return 'lzip';
  if (head[0] === 0x1f && head[1] === 0x9d) return 'compress';
  // LZMA-alone has no magic: require the extension and plausible properties.
  if (/\.(lzma|tlz)$/i.test(name) && head.length >= 13 && head[0]! < 225 && isPowerish(head.readUInt32LE(1))) return 'lzma';
  return null;
}

function isPowerish(dict: number): boolean {
  // Dictionary sizes are 2^n or 2^n + 2^(n-1) in every real encoder.
  for (let n = 12; n <= 30; n++) if (dict === 2 ** n || dict === 2 ** n + 2 ** (n - 1)) return true;
  return false;
}

export interface GzipHeader {
  originalName: string | null;
  comment: string | null;
  mtime: string | null;
  os: number;
  dataOffset: number;
}

export function readGzipHeader(b: Buffer): GzipHeader | null {
  if (b.length < 10) return null;
  const flg = b[3]!;
  let at = 10;
  if (flg & 0x04) {
    if (at + 2 > b.length) return null;
    at += 2 + b.readUInt16LE(at);
  }
  let originalName: string | null = null;
  let comment: string | null = null;
  if (flg & 0x08) {
    const s = cString(b, at, MAX_GZIP_STRING);
    if (!s) return null;
    originalName = s.text;
    at = s.end;
  }
  if (flg & 0x10) {
    const s = cString(b, at, MAX_GZIP_STRING);
    if (!s) return null;
    comment = s.text;
    at = s.end;
  }
  if (flg & 0x02) at += 2;
  const mtime = b.readUInt32LE(4);
  return { originalName, comment, mtime: mtime === 0 ? null : unixSecondsToIso(mtime), os: b[9]!, dataOffset: at };
}

/** Unix compress's header (1f 9d, then flags: bits 0-4 the largest code width, 0x80 block mode, 0x60 reserved); null when the magic is not there. */
export function compressHeader(input: Buffer): { maxBits: number; blockMode: boolean; reserved: number } | null {
  if (input.length < 3 || input[0] !== 0x1f || input[1] !== 0x9d) return null;
  const flags = input[2]!;
  return { maxBits: flags & 0x1f, blockMode: (flags & 0x80) !== 0, reserved: flags & 0x60 };
}

/** A compressed stream's file name suffix, and the tar shorthands (`x.tgz` holds `x.tar`). */
const STREAM_SUFFIX = /\.(gz|gzip|bz2|bzip2|xz|zst|zstd|lz4|lz|lzma|z)$/i;
const TAR_SHORTHAND = /\.(tgz|tbz2?|txz|tzst|tlz|taz)$/i;

/** What a compressed file named `name` holds, by its name: `x.tgz` -> `x.tar`, `a.txt.gz` -> `a.txt`; null when the name has no compression suffix. */
export function contentName(name: string): string | null {
  if (TAR_SHORTHAND.test(name)) return name.replace(TAR_SHORTHAND, '.tar');
  const stripped = name.replace(STREAM_SUFFIX, '');
  return stripped && stripped !== name ? stripped : null;
}

export function streamFields(format: StreamFormat, head: Buffer): Record<string, unknown> {
  switch (format) {
    case 'bzip2':
      return { blockSize: `${head.toString('latin1', 3, 4)}00k` };
    case 'xz':
      return { check: ['none', 'crc32', null, null, 'crc64', null, null, null, null, null, 'sha256'][head[7]! & 0x0f] ?? 'reserved' };
    case 'lzip':
      return { version: head[4] ?? null };
    case 'lzma': {
      const lo = head.readUInt32LE(5);
      const hi = head.readUInt32LE(9);
      return { dictionarySize: head.readUInt32LE(1), uncompressedSize: lo === 0xffffffff && hi === 0xffffffff ? null : hi * 2 ** 32 + lo };
    }
    case 'compress': {
      const h = compressHeader(head);
      return { maxBits: h?.maxBits ?? 0, blockMode: h?.blockMode ?? false };
    }
    case 'zstd': {
      const skippable = (head.readUInt32LE(0) & 0xfffffff0) === 0x184d2a50;
      return { skippableFrame: skippable };
    }
    default:
      return {};
  }
}
