/**
 * What a blob in a registry value is: file magic (indicators.md C.5, Elastic
 * collection_common_compressed_archived_file), Shannon entropy, Base64 / hex text that decodes to a file.
 */
import { isPe } from '../../util/pe.js';
import { trimEndOf } from '../../util/trim.js';

export interface MagicMatch {
  format: string;
  description: string;
}

const MAGICS: readonly [string, Buffer, string][] = [
  ['zip', Buffer.from('504b0304', 'hex'), 'ZIP archive'],
  ['rar', Buffer.from('526172211a07', 'hex'), 'RAR archive'],
  ['7z', Buffer.from('377abcaf271c', 'hex'), '7-Zip archive'],
  ['gzip', Buffer.from('1f8b08', 'hex'), 'gzip stream'],
  ['cab', Buffer.from('4d534346', 'hex'), 'Microsoft cabinet'],
  ['bzip2', Buffer.from('425a68', 'hex'), 'bzip2 stream'],
  ['xz', Buffer.from('fd377a585a00', 'hex'), 'xz stream'],
  ['zstd', Buffer.from('28b52ffd', 'hex'), 'Zstandard stream'],
];

export function detectMagic(b: Buffer): MagicMatch | null {
  if (isPe(b)) return { format: 'pe', description: 'Windows executable (PE)' };
  for (const [format, magic, description] of MAGICS) {
    if (b.length >= magic.length && b.subarray(0, magic.length).equals(magic)) return { format, description };
  }
  return null;
}

/** Shannon entropy in bits per byte over at most `limit` bytes. */
export function shannonEntropy(b: Buffer, limit = 256 * 1024): number {
  const n = Math.min(b.length, limit);
  if (n === 0) return 0;
  const counts = new Uint32Array(256);
  for (let i = 0; i < n; i++) counts[b[i]!]!++;
  let h = 0;
  for (const c of counts) {
    if (c === 0) continue;
    const p = c / n;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Value bytes as text when they look like UTF-16LE or ASCII text (for encoded-blob checks). */
export function asText(b: Buffer): string | null {
  if (b.length >= 4 && b[1] === 0 && b[3] === 0) return trimEndOf(b.toString('utf16le', 0, b.length & ~1), '\0');
  let printable = 0;
  const n = Math.min(b.length, 4096);
  for (let i = 0; i < n; i++) if ((b[i]! >= 0x20 && b[i]! < 0x7f) || b[i] === 0x0a || b[i] === 0x0d) printable++;
  return n > 0 && printable / n > 0.95 ? trimEndOf(b.toString('latin1'), '\0') : null;
}

export interface EncodedBlob {
  encoding: 'base64' | 'hex';
  textLength: number;
  decoded: Buffer;
}

const BASE64_RUN = /[A-Za-z0-9+/]{256,}={0,2}/;
const HEX_RUN = /(?:[0-9a-fA-F]{2}){256,}/;

/** The longest Base64 or hex run in the text (at least 256 characters), decoded (bounded). */
export function findEncodedBlob(text: string, maxDecode = 1024 * 1024): EncodedBlob | null {
  const hex = HEX_RUN.exec(text);
  if (hex) return { encoding: 'hex', textLength: hex[0].length, decoded: Buffer.from(hex[0].slice(0, maxDecode * 2), 'hex') };
  const b64 = BASE64_RUN.exec(text.replace(/\s+/g, ''));
  if (b64) {
    const usable = b64[0].slice(0, Math.floor(Math.min(b64[0].length, (maxDecode * 4) / 3) / 4) * 4);
    return { encoding: 'base64', textLength: b64[0].length, decoded: Buffer.from(usable, 'base64') };
  }
  return null;
}
