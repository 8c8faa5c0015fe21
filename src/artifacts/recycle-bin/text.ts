/** Path text decoding for Recycle Bin records: UTF-16LE with visible lone surrogates, ANSI code pages. */

export interface DecodedText {
  text: string;
  /** True when the input held lone UTF-16 surrogates (escaped as `<\uD860>` like rifiuti2). */
  invalid: boolean;
}

/** Decodes UTF-16LE up to the first NUL unit; an odd trailing byte is dropped. */
export function decodeUtf16Path(bytes: Buffer): DecodedText {
  const units: number[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    const unit = bytes.readUInt16LE(i);
    if (unit === 0) break;
    units.push(unit);
  }
  let text = '';
  let invalid = false;
  for (let i = 0; i < units.length; i++) {
    const unit = units[i]!;
    const next = units[i + 1];
    if (unit >= 0xd800 && unit <= 0xdbff && next !== undefined && next >= 0xdc00 && next <= 0xdfff) {
      text += String.fromCharCode(unit, next);
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      // Same escape as rifiuti2 so analysts see the broken unit instead of U+FFFD.
      text += `<\\u${unit.toString(16).toUpperCase().padStart(4, '0')}>`;
      invalid = true;
    } else {
      text += String.fromCharCode(unit);
    }
  }
  return { text, invalid };
}

/** Windows code page names (as rifiuti2's -l takes them) to WHATWG encoding labels. */
const CODEPAGE_LABELS: Record<string, string> = {
  ascii: 'windows-1252',
  cp437: 'windows-1252', // not in WHATWG; Latin-1 superset is the closest for ASCII paths
  cp874: 'windows-874',
  cp932: 'shift_jis',
  cp936: 'gbk',
  cp949: 'euc-kr',
  cp950: 'big5',
  cp866: 'ibm866',
};

/** Resolves a code page option ('cp1252', 'CP932', '1252', 'shift_jis') to a TextDecoder label. */
export function codepageLabel(codepage: string | undefined): { label: string; known: boolean } {
  if (!codepage) return { label: 'windows-1252', known: true };
  const key = codepage.trim().toLowerCase().replace(/^(cp|windows-?)(?=\d)/, 'cp');
  const numbered = /^\d+$/.test(key) ? `cp${key}` : key;
  const mapped = CODEPAGE_LABELS[numbered] ?? (/^cp125\d$/.test(numbered) ? `windows-${numbered.slice(2)}` : numbered);
  try {
    new TextDecoder(mapped);
    return { label: mapped, known: true };
  } catch {
    return { label: 'windows-1252', known: false };
  }
}

/**
 * Windows-1252 bytes 0x80..0x9F (0xFFFD where the code page leaves a hole). Node 20.20's
 * TextDecoder('windows-1252') silently DROPS these bytes (measured: [0x41,0x8a,0x41] -> "AA"),
 * so this code page is decoded here instead.
 */
const CP1252_HIGH = '\u20ac\ufffd\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\ufffd\u017d\ufffd' +
  '\ufffd\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\ufffd\u017e\u0178';

function decodeCp1252(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80] : String.fromCharCode(b);
  return out;
}

/** Decodes a NUL-terminated ANSI string in the given code page (invalid bytes become U+FFFD). */
export function decodeAnsi(bytes: Buffer, label: string): string {
  const end = bytes.indexOf(0);
  const slice = end < 0 ? bytes : bytes.subarray(0, end);
  return label === 'windows-1252' ? decodeCp1252(slice) : new TextDecoder(label).decode(slice);
}
