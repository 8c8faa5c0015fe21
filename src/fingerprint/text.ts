/**
 * Text detection on a head buffer: BOMs, UTF-16 without BOM, UTF-8 / 8-bit text, then a light
 * guess at structure (JSON, XML, HTML, INI, CSV, .reg export, script). The head may end inside
 * a multi-byte sequence, so a truncated final sequence is accepted.
 */

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'ascii' | '8-bit';

export interface TextMatch {
  format: string;
  mime: string;
  description: string;
  encoding: TextEncoding;
  structured: boolean;
}

/** At most this share of control characters (besides tab, CR, LF, FF, ESC) still counts as text. */
const MAX_CONTROL_RATIO = 0.01;
/** At most this share of bytes >= 0x80 in text that is not valid UTF-8 (cp1252 / Latin-1 prose). */
const MAX_HIGH_RATIO_8BIT = 0.3;
/** Share of zero bytes in one byte lane that marks UTF-16 without a BOM. */
const UTF16_ZERO_LANE_RATIO = 0.9;

function isAllowedControl(b: number): boolean {
  return b === 9 || b === 10 || b === 12 || b === 13 || b === 27;
}

/** Length of a valid UTF-8 sequence at i, 0 if invalid, -1 if cut by the end of the buffer. */
function utf8SequenceLength(buf: Uint8Array, i: number): number {
  const b = buf[i];
  const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
  if (need < 0) return 0;
  for (let k = 1; k <= need; k++) {
    if (i + k >= buf.length) return -1;
    if ((buf[i + k] & 0xc0) !== 0x80) return 0;
  }
  return need + 1;
}

interface ByteScan { controls: number; high: number; validUtf8: boolean; nul: boolean }

/** A control character text may not hold (beyond MAX_CONTROL_RATIO): below 0x20 but tab, LF, FF, CR and ESC, or DEL. */
function isDisallowedControl(b: number): boolean {
  return (b < 0x20 && !isAllowedControl(b)) || b === 0x7f;
}

const HIGH_BITS = 0x80808080;
const SPACES = 0x20202020;
const DELS = 0x7f7f7f7f;
const ONES = 0x01010101;

/**
 * The disallowed controls of a head with no zero and no byte >= 0x80, counted four bytes at a time,
 * or undefined once such a byte turns up (the check's own scans then decide). A head it counts cannot
 * be UTF-16 without a BOM and has no sequence to validate, so the count is the byte scan's whole
 * answer: the common text head's one pass, about twice as fast as a histogram of it
 * (docs/performance.md "Session 37"). A word with no byte below 0x20 and no DEL is passed over whole;
 * the subtraction's borrows only ever flag a word too many, which its bytes then settle one by one.
 * An unaligned head is read a byte at a time.
 */
export function asciiControlCount(head: Uint8Array): number | undefined {
  let controls = 0;
  let i = 0;
  if ((head.byteOffset & 3) === 0 && head.length >= 4) {
    const words = new Uint32Array(head.buffer, head.byteOffset, head.length >>> 2);
    for (let k = 0; k < words.length; k++) {
      const w = words[k]!;
      if ((w & HIGH_BITS) !== 0) return undefined;
      if ((((w - SPACES) | ((w ^ DELS) - ONES)) & HIGH_BITS) === 0) continue;
      for (let j = k << 2, end = j + 4; j < end; j++) {
        const b = head[j]!;
        if (b === 0) return undefined;
        if (isDisallowedControl(b)) controls++;
      }
    }
    i = words.length << 2;
  }
  for (; i < head.length; i++) {
    const b = head[i]!;
    if (b === 0 || b >= 0x80) return undefined;
    if (isDisallowedControl(b)) controls++;
  }
  return controls;
}

function scanBytes(buf: Uint8Array, start: number): ByteScan {
  let controls = 0, high = 0, validUtf8 = true;
  for (let i = start; i < buf.length; i++) {
    const b = buf[i];
    if (b === 0) return { controls, high, validUtf8, nul: true };
    if (isDisallowedControl(b)) controls++;
    else if (b >= 0x80) {
      high++;
      if (validUtf8) {
        const len = utf8SequenceLength(buf, i);
        if (len === -1) break; // cut at the end of the head
        if (len === 0) validUtf8 = false;
        else i += len - 1;
      }
    }
  }
  return { controls, high, validUtf8, nul: false };
}

function utf16Lane(buf: Uint8Array): 'le' | 'be' | null {
  const pairs = Math.floor(buf.length / 2);
  if (pairs < 4) return null;
  let zeroOdd = 0, zeroEven = 0;
  // Early out (same verdict): once both lanes are ruled out, the rest cannot change it. Most heads
  // are ASCII text or binary and get here within a few hundred bytes instead of 4 KiB.
  // A lane is out when it already has a zero in the other lane, or cannot reach the ratio even if
  // every remaining pair had its zero.
  const need = UTF16_ZERO_LANE_RATIO * pairs;
  for (let i = 0, p = 1; i + 1 < buf.length; i += 2, p++) {
    if (buf[i] === 0) zeroEven++;
    if (buf[i + 1] === 0) zeroOdd++;
    if ((zeroEven > 0 || zeroOdd + (pairs - p) < need) && (zeroOdd > 0 || zeroEven + (pairs - p) < need)) return null;
  }
  if (zeroOdd >= UTF16_ZERO_LANE_RATIO * pairs && zeroEven === 0) return 'le';
  if (zeroEven >= UTF16_ZERO_LANE_RATIO * pairs && zeroOdd === 0) return 'be';
  return null;
}

function decodeUtf16(buf: Buffer, be: boolean, start: number): string {
  const body = buf.subarray(start, start + ((buf.length - start) & ~1));
  if (!be) return body.toString('utf16le');
  const swapped = Buffer.from(body);
  swapped.swap16();
  return swapped.toString('utf16le');
}

function controlRatioOf(text: string): number {
  let controls = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isDisallowedControl(c)) controls++;
  }
  return text.length ? controls / text.length : 0;
}

/**
 * A head that is text: its encoding, and either its text (UTF-16) or how to decode it from `start`
 * (the structure checks decode only as much as they read: structureOfHead).
 */
type DecodedHead = { encoding: TextEncoding; text: string } | { encoding: TextEncoding; text?: undefined; charset: 'latin1' | 'utf8'; start: number };

/** The head's encoding when it is text, null when it is not. */
function decodeText(head: Buffer, asciiControls: number | undefined): DecodedHead | null {
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) {
    const scan = scanBytes(head, 3);
    return !scan.nul && scan.validUtf8 && scan.controls <= MAX_CONTROL_RATIO * head.length ? { encoding: 'utf-8', charset: 'utf8', start: 3 } : null;
  }
  const bomLe = head.length >= 2 && head[0] === 0xff && head[1] === 0xfe;
  const bomBe = head.length >= 2 && head[0] === 0xfe && head[1] === 0xff;
  const lane = bomLe ? 'le' : bomBe ? 'be' : asciiControls !== undefined ? null : utf16Lane(head);
  if (lane) {
    const text = decodeUtf16(head, lane === 'be', bomLe || bomBe ? 2 : 0);
    return controlRatioOf(text) <= MAX_CONTROL_RATIO && !text.includes('\0') ? { text, encoding: lane === 'le' ? 'utf-16le' : 'utf-16be' } : null;
  }
  const scan = asciiControls !== undefined ? { controls: asciiControls, high: 0, validUtf8: true, nul: false } : scanBytes(head, 0);
  if (scan.nul || scan.controls > MAX_CONTROL_RATIO * head.length) return null;
  if (scan.high === 0) return { encoding: 'ascii', charset: 'latin1', start: 0 };
  if (scan.validUtf8) return { encoding: 'utf-8', charset: 'utf8', start: 0 };
  return scan.high <= MAX_HIGH_RATIO_8BIT * head.length ? { encoding: '8-bit', charset: 'latin1', start: 0 } : null;
}

/** Prose has a comma or two per line; a table has at least this many delimiters on every line. */
const MIN_CSV_DELIMITERS = 2;

/** Lines that look like a delimited table: the same delimiter count on the first lines. */
function looksLikeCsv(lines: string[]): boolean {
  if (lines.length < 3) return false;
  const sample = lines.length > 5 ? lines.slice(0, 5) : lines;
  for (const delim of CSV_DELIMITERS) {
    const first = countChar(sample[0], delim);
    if (first >= MIN_CSV_DELIMITERS && sample.every((l) => countChar(l, delim) === first)) return true;
  }
  return false;
}

const CSV_DELIMITERS = [0x2c, 0x3b, 0x09]; // ',' ';' tab

/** Occurrences of one character (what `split(char).length - 1` counts, without the array of pieces). */
function countChar(line: string, code: number): number {
  let n = 0;
  for (let i = 0; i < line.length; i++) if (line.charCodeAt(i) === code) n++;
  return n;
}

/** A line that is neither blank nor a comment (what `l.trim() && !/^\s*[;#]/.test(l)` keeps). */
const INI_MEANINGFUL = /^\s*[^\s;#]/;
const INI_FIRST_SECTION = /^\s*\[[^\]\r\n]+\]\s*$/;
const INI_SECTION = /^\s*\[[^\]]+\]\s*$/;
const INI_PAIR = /^[^=\r\n]+=/;

/** Meaningful lines (neither blank nor comments): the first a section header, the next five at most sections or pairs, at least two. */
function looksLikeIni(lines: string[]): boolean {
  let meaningful = 0;
  for (const line of lines) {
    if (!INI_MEANINGFUL.test(line)) continue;
    // Stops at the first line that decides (most text: the first meaningful line is no section).
    if (meaningful === 0 ? !INI_FIRST_SECTION.test(line) : meaningful <= 5 && !INI_SECTION.test(line) && !INI_PAIR.test(line)) return false;
    meaningful++;
  }
  return meaningful >= 2;
}

/** What `text.split(/\r?\n/, max)` gives, without the regular expression's split. */
function firstLines(text: string, max: number): string[] {
  const lines: string[] = [];
  for (let from = 0; lines.length < max; ) {
    const lf = text.indexOf('\n', from);
    if (lf < 0) {
      lines.push(text.slice(from));
      break;
    }
    lines.push(text.slice(from, lf > from && text.charCodeAt(lf - 1) === 0x0d ? lf - 1 : lf));
    from = lf + 1;
  }
  return lines;
}

type Structure = Pick<TextMatch, 'format' | 'mime' | 'description' | 'structured'>;

const STRUCTURES = {
  reg: { format: 'reg', mime: 'text/x-ms-regedit', description: 'Windows Registry text export', structured: true },
  xml: { format: 'xml', mime: 'text/xml', description: 'XML document', structured: true },
  html: { format: 'html', mime: 'text/html', description: 'HTML document', structured: false },
  json: { format: 'json', mime: 'application/json', description: 'JSON data', structured: true },
  script: { format: 'script', mime: 'text/x-script', description: 'script text with shebang', structured: false },
  ini: { format: 'ini', mime: 'text/plain', description: 'INI configuration text', structured: true },
  csv: { format: 'csv', mime: 'text/csv', description: 'CSV / delimited text', structured: true },
  txt: { format: 'txt', mime: 'text/plain', description: 'text', structured: false },
} as const satisfies Record<string, Structure>;

/**
 * What the structure checks read of the text after its leading blanks: a header on its first line
 * (36 characters at most), a JSON bracket and the blanks after it, the first STRUCTURE_LINES lines.
 */
const STRUCTURE_LINES = 8;
const REG_EXPORT = /^(windows registry editor version 5\.00|regedit4)/i;
// Case-insensitive in the text's first characters (toLowerCase maps no other character onto these).
const XML_START = /^<\?xml/i;
const HTML_START = /^(?:<!doctype html|<html)/i;
const JSON_START = /^[{[]\s*["{[\]}0-9tfn-]/;
/** A JSON bracket followed by blanks only, up to where the text read ends: what follows decides. */
const JSON_OPEN = /^[{[]\s*$/;

function structureOf(text: string): Structure {
  const trimmed = text.trimStart();
  if (REG_EXPORT.test(trimmed)) return STRUCTURES.reg;
  if (XML_START.test(trimmed)) return STRUCTURES.xml;
  if (HTML_START.test(trimmed)) return STRUCTURES.html;
  if (JSON_START.test(trimmed)) return STRUCTURES.json;
  if (trimmed.startsWith('#!')) return STRUCTURES.script;
  const lines = firstLines(trimmed, STRUCTURE_LINES);
  if (looksLikeIni(lines)) return STRUCTURES.ini;
  if (looksLikeCsv(lines)) return STRUCTURES.csv;
  return STRUCTURES.txt;
}

/**
 * structureOf the head decoded from `start`, decoding only what it reads (docs/performance.md
 * "Session 36"): up to a line feed past which the checks cannot look (a line feed byte is never
 * inside a UTF-8 sequence), then twice as many lines until the prefix is enough, or the whole head.
 */
function structureOfHead(head: Buffer, start: number, charset: 'latin1' | 'utf8'): Structure {
  for (let lineFeeds = STRUCTURE_LINES; ; lineFeeds *= 2) {
    const end = afterLineFeeds(head, start, lineFeeds);
    const text = head.toString(charset, start, end);
    if (end === head.length || prefixIsEnough(text)) return structureOf(text);
  }
}

/** Just past the `count`-th line feed from `start`, or the head's end. */
function afterLineFeeds(head: Buffer, start: number, count: number): number {
  let at = start;
  for (let n = 0; n < count; n++) {
    const lf = head.indexOf(0x0a, at);
    if (lf < 0) return head.length;
    at = lf + 1;
  }
  return at;
}

/**
 * Whether structureOf reads the same from `prefix` (ending just past a line feed) as from the
 * whole text: after its leading blanks it holds STRUCTURE_LINES line feeds (no header it checks
 * spans one), and no JSON bracket waits on blanks that go on past its end.
 */
function prefixIsEnough(prefix: string): boolean {
  const trimmed = prefix.trimStart();
  if (JSON_OPEN.test(trimmed)) return false;
  let lineFeeds = 0;
  for (let at = trimmed.indexOf('\n'); at >= 0 && lineFeeds < STRUCTURE_LINES; at = trimmed.indexOf('\n', at + 1)) lineFeeds++;
  return lineFeeds >= STRUCTURE_LINES;
}

/** Detects text in a head buffer; null when it is binary. `asciiControls`: `asciiControlCount(head)`, when made (the scan's fast path). */
export function detectText(head: Buffer, asciiControls?: number): TextMatch | null {
  if (head.length === 0) return null;
  const decoded = decodeText(head, asciiControls);
  if (!decoded) return null;
  const s = decoded.text === undefined ? structureOfHead(head, decoded.start, decoded.charset) : structureOf(decoded.text);
  // One literal in the spread's key order (a spread that redefines `description` took a slow IC per file).
  return { format: s.format, mime: s.mime, description: `${s.description} (${decoded.encoding})`, structured: s.structured, encoding: decoded.encoding };
}
