/** Decoding of archive entry names: CP437 (ZIP default), UTF-8, bounded length. */
import { LIMITS } from '../../util/limits.js';

// Upper half of code page 437 (0x80..0xff); the lower half is ASCII.
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

export function decodeCp437(buf: Buffer): string {
  let out = '';
  for (const b of buf) out += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  return out;
}

/** Decode a name, cut to LIMITS.maxNameBytes; invalid UTF-8 becomes U+FFFD (never throws). */
export function decodeEntryName(raw: Buffer, utf8: boolean): string {
  const bounded = raw.length > LIMITS.maxNameBytes ? raw.subarray(0, LIMITS.maxNameBytes) : raw;
  return utf8 ? bounded.toString('utf8') : decodeCp437(bounded);
}

/** Latin-1 C string (NUL-terminated) from a buffer, bounded. */
export function cString(buf: Buffer, start: number, maxLen: number): { text: string; end: number } | null {
  const limit = Math.min(buf.length, start + maxLen);
  for (let i = start; i < limit; i++) {
    if (buf[i] === 0) return { text: buf.toString('latin1', start, i), end: i + 1 };
  }
  return null;
}
