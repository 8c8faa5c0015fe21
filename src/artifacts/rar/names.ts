/** RAR entry-name decoding and method names. */
import { fromCharCodes } from '../../util/arrays.js';

const METHODS = ['store', 'fastest', 'fast', 'normal', 'good', 'best'];

/** RAR method 0..5 (RAR 4 stores it as '0'..'5'). */
export function methodName(n: number): string | null {
  return METHODS[n] ?? null;
}

/** UTF-8 when the bytes are valid UTF-8, else Latin-1 (RAR 4 OEM names without the Unicode flag). */
export function utf8OrLatin1(raw: Buffer): string {
  const text = raw.toString('utf8');
  return text.includes('\ufffd') && !Buffer.from(text, 'utf8').equals(raw) ? raw.toString('latin1') : text;
}

/**
 * RAR 4 names with LHD_UNICODE: "ascii\0encoded", where `encoded` packs UTF-16 relative to the
 * ASCII part (unrar's EncodeFileName::Decode). Without a NUL the whole name is UTF-8.
 */
export function decodeRarName(raw: Buffer, unicode: boolean): string {
  const nul = raw.indexOf(0);
  const ascii = nul >= 0 ? raw.subarray(0, nul) : raw;
  if (!unicode) return utf8OrLatin1(ascii);
  if (nul < 0) return raw.toString('utf8');
  return decodePackedUnicode(ascii, raw.subarray(nul + 1)) ?? utf8OrLatin1(ascii);
}

/** Every step consumes at least one encoded byte or ends, and output is capped: no runaway. */
function decodePackedUnicode(name: Buffer, enc: Buffer): string | null {
  const maxOut = Math.max(name.length, 1) * 2 + 16;
  const out: number[] = [];
  let pos = 0;
  const high = enc.length > 0 ? enc[pos++]! : 0;
  let flags = 0;
  let flagBits = 0;
  while (pos < enc.length && out.length < maxOut) {
    if (flagBits === 0) {
      flags = enc[pos++]!;
      flagBits = 8;
    }
    const mode = flags >>> 6;
    if (mode === 0) {
      if (pos >= enc.length) break;
      out.push(enc[pos++]!);
    } else if (mode === 1) {
      if (pos >= enc.length) break;
      out.push(enc[pos++]! + (high << 8));
    } else if (mode === 2) {
      if (pos + 1 >= enc.length) break;
      out.push(enc[pos]! + (enc[pos + 1]! << 8));
      pos += 2;
    } else {
      if (pos >= enc.length) break;
      let length = enc[pos++]!;
      if (length & 0x80) {
        if (pos >= enc.length) break;
        const correction = enc[pos++]!;
        for (length = (length & 0x7f) + 2; length > 0 && out.length < maxOut; length--) {
          out.push((((name[out.length] ?? 0) + correction) & 0xff) + (high << 8));
        }
      } else {
        for (length += 2; length > 0 && out.length < maxOut; length--) out.push(name[out.length] ?? 0);
      }
    }
    flags = (flags << 2) & 0xff;
    flagBits -= 2;
  }
  if (out.length === 0) return null;
  const end = out.indexOf(0);
  return fromCharCodes(end >= 0 ? out.slice(0, end) : out);
}
