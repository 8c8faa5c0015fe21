/**
 * tar header block (POSIX ustar, GNU, pax, v7), 512 bytes:
 * 0x000 name[100], 0x064 mode[8], 0x06c uid[8], 0x074 gid[8], 0x07c size[12], 0x088 mtime[12],
 * 0x094 chksum[8], 0x09c typeflag, 0x09d linkname[100], 0x101 magic[6], 0x107 version[2],
 * 0x109 uname[32], 0x129 gname[32], 0x149 devmajor[8], 0x151 devminor[8], 0x159 prefix[155] (ustar).
 */
import { byteRange, magicText } from '../claims.js';
import type { HeadMagic } from '../types.js';
import { hasBytesAt } from '../../util/bytes.js';

export const BLOCK = 512;
const NAME = 0x000;
const SIZE = 0x07c;
const MTIME = 0x088;
const CHKSUM = 0x094;
const TYPEFLAG = 0x09c;
const MAGIC = 0x101;
const PREFIX = 0x159;
/** The ustar magic's first five bytes (POSIX "ustar\0", GNU "ustar "). */
const USTAR = Buffer.from('ustar', 'latin1');

export type TarDialect = 'ustar' | 'gnu' | 'v7';

export interface TarHeader {
  name: string;
  size: number;
  mtime: number | null;
  type: string;
  dialect: TarDialect;
}

function field(b: Buffer, at: number, len: number): string {
  const end = b.indexOf(0, at);
  return b.toString('utf8', at, end >= 0 && end < at + len ? end : at + len);
}

/** Octal (space/NUL padded) or GNU base-256 (high bit of first byte set). null when not a number. */
export function numeric(b: Buffer, at: number, len: number): number | null {
  if (b[at]! & 0x80) {
    let v = 0;
    for (let i = at + 1; i < at + len; i++) v = v * 256 + b[i]!;
    return Number.isSafeInteger(v) ? v : null;
  }
  const s = b.toString('latin1', at, at + len).replace(/[\0 ]+$/g, '').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) return null;
  return parseInt(s, 8);
}

/** The stored checksum equals the byte sum with the checksum field read as spaces (unsigned or signed). */
export function checksumOk(b: Buffer): boolean {
  const stored = numeric(b, CHKSUM, 8);
  if (stored === null) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= CHKSUM && i < CHKSUM + 8 ? 0x20 : b[i]!;
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  return stored === unsigned || stored === signed;
}

export function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

export function readHeader(b: Buffer): TarHeader | null {
  if (b.length < BLOCK || !checksumOk(b)) return null;
  const magic = b.toString('latin1', MAGIC, MAGIC + 6);
  const dialect: TarDialect = magic === 'ustar\0' ? 'ustar' : magic === 'ustar ' ? 'gnu' : 'v7';
  let name = field(b, NAME, 100);
  if (dialect === 'ustar') {
    const prefix = field(b, PREFIX, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  const size = numeric(b, SIZE, 12);
  if (size === null) return null;
  return { name, size, mtime: numeric(b, MTIME, 12), type: String.fromCharCode(b[TYPEFLAG]!) || '0', dialect };
}

/** Looks like a tar header block: valid checksum, or ustar magic. */
/**
 * The parser pre-filter's keys for looksLikeTar (src/artifacts/claims.ts): the ustar magic, or a
 * checksum field whose first byte `numeric` can read (base-256 flag, NUL, whitespace, octal digit).
 */
export const TAR_HEAD_MAGICS: readonly HeadMagic[] = [
  magicText(MAGIC, 'ustar'),
  ...byteRange(CHKSUM, 0x80, 0xff),
  ...byteRange(CHKSUM, 0x00, 0x00),
  ...byteRange(CHKSUM, 0x09, 0x0d),
  ...byteRange(CHKSUM, 0x20, 0x20),
  ...byteRange(CHKSUM, 0x30, 0x37),
];

export function looksLikeTar(head: Buffer): boolean {
  return head.length >= BLOCK && (hasBytesAt(head, USTAR, MAGIC) || checksumOk(head)) && !isZeroBlock(head.subarray(0, BLOCK));
}
