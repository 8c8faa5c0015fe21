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

/** Markdown-safe inline text: escapes controls and Markdown/HTML metacharacters. */
export function markdownEscape(text: string): string {
  return escapeControls(text).replace(/[\\`*_{}[\]()#+\-.!|<>&~]/g, (ch) => `\\${ch}`);
}

/** Decodes a file-name byte string: UTF-8 when valid, otherwise invalid bytes shown as \xNN. */
export function decodeName(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  if (!text.includes('\ufffd')) return text;
  // Fall back to a lossless escape of every byte outside valid UTF-8 sequences.
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len > 0 && i + len <= bytes.length) {
      const chunk = bytes.subarray(i, i + len);
      const s = chunk.toString('utf8');
      if (!s.includes('\ufffd') && Buffer.from(s, 'utf8').equals(chunk)) {
        out += s;
        i += len;
        continue;
      }
    }
    out += `\\x${b.toString(16).padStart(2, '0')}`;
    i++;
  }
  return out;
}
