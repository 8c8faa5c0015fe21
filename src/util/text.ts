/**
 * Neutralising attacker-controlled text where it is rendered (terminal, CSV, HTML, Markdown).
 * JSON output keeps text exact; every other writer goes through one of these.
 */

// C0/C1 controls, DEL, and Unicode bidi overrides/isolates, line/paragraph separators, BOM.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Replaces control and bidi characters with visible escapes (\x1b, \u202e), so a terminal shows them inert. */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Escapes controls and shortens to `max` characters (with an ellipsis marker). */
export function displayText(text: string, max = 160): string {
  const safe = escapeControls(text);
  return safe.length > max ? `${safe.slice(0, max - 1)}…` : safe;
}

/** A CSV cell (RFC 4180) whose formula triggers (= + - @ tab CR) are neutralised with a leading quote. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  text = escapeControls(text);
  if (/^[=+\-@\t\r]/.test(text) && !(typeof value === 'number')) text = `'${text}`;
  return /[",\n\r]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function htmlEscape(text: string): string {
  return escapeControls(text).replace(/[&<>"'`]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/**
 * A file name's display text, injective so two different names never show (or hash) alike:
 * the escape character itself is escaped (a backslash becomes \\), bytes outside valid UTF-8
 * become \xNN, everything else stays as it is. `encodeName` turns the text back into the bytes.
 */
export function decodeName(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  const valid = !text.includes('\ufffd') || Buffer.from(text, 'utf8').equals(bytes);
  if (valid) return text.includes('\\') ? text.replace(/\\/g, '\\\\') : text;
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len > 0 && i + len <= bytes.length) {
      const chunk = bytes.subarray(i, i + len);
      const s = chunk.toString('utf8');
      if (Buffer.from(s, 'utf8').equals(chunk)) {
        out += s === '\\' ? '\\\\' : s;
        i += len;
        continue;
      }
    }
    out += `\\x${b.toString(16).padStart(2, '0')}`;
    i++;
  }
  return out;
}

/**
 * The bytes a `decodeName` text stands for: \\ is a backslash, \xNN one byte. Lenient with text
 * that never came from `decodeName` (a lone backslash stays a backslash).
 */
export function encodeName(text: string): Buffer {
  if (!text.includes('\\')) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let plain = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && text[i + 1] === '\\') {
      plain += '\\';
      i++;
    } else if (ch === '\\' && text[i + 1] === 'x' && /^[0-9a-f]{2}$/.test(text.slice(i + 2, i + 4))) {
      parts.push(Buffer.from(plain, 'utf8'), Buffer.from([parseInt(text.slice(i + 2, i + 4), 16)]));
      plain = '';
      i += 3;
    } else plain += ch;
  }
  parts.push(Buffer.from(plain, 'utf8'));
  return Buffer.concat(parts);
}

/** True when a display path stands for exactly its UTF-8 bytes (no escapes to undo). */
export function isPlainName(text: string): boolean {
  return !text.includes('\\');
}
