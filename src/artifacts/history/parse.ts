/**
 * Shell history files to commands: PSReadLine, bash, zsh, fish, sh/ash, python.
 * Pure: bytes in, { line, command, time } out. Every length is bounded (LIMITS).
 */
import type { ByteSource } from '../../util/byte-source.js';
import { LIMITS } from '../../util/limits.js';
import { isAscii, isUtf8 } from 'node:buffer';
import { unixSecondsToIso } from '../../util/filetime.js';
import { pushAll } from '../../util/arrays.js';
import { TRANSCRIPT_NAME, transcriptCommands } from './transcript.js';

export type Shell = 'powershell' | 'powershell-transcript' | 'bash' | 'zsh' | 'fish' | 'sh' | 'python';

export interface HistoryCommand {
  /** 1-based line where the command starts. */
  line: number;
  command: string;
  /** ISO-8601 UTC, when the history says it. */
  time: string | null;
  /** A PowerShell transcript's time, local to the machine and without a zone ('2025-02-20T02:40:05'). */
  localTime?: string | null;
  /** The account the history says ran it (a transcript's session user), where it says one. */
  user?: string | null;
}

export interface HistoryParse {
  commands: HistoryCommand[];
  warnings: string[];
  corrupted: boolean;
}

/** The shell that writes a history file, from its name (and folder for PSReadLine). */
/** PSReadLine's history: ConsoleHost_history.txt, <host>_history.txt (lower-case ending). */
export const POWERSHELL_HISTORY_SUFFIX = '_history.txt';

/** History files by their lower-case name. */
export const SHELL_BY_NAME: ReadonlyMap<string, Shell> = new Map<string, Shell>([
  ['.bash_history', 'bash'],
  ['.zsh_history', 'zsh'],
  ['.zhistory', 'zsh'],
  ['.histfile', 'zsh'],
  ['fish_history', 'fish'],
  ['fish_history.txt', 'fish'],
  ['.sh_history', 'sh'],
  ['.ash_history', 'sh'],
  ['.mksh_history', 'sh'],
  ['.ksh_history', 'sh'],
  ['.python_history', 'python'],
]);

export function shellFromPath(relPath: string): Shell | null {
  const name = relPath.slice(relPath.lastIndexOf('/') + 1).toLowerCase();
  if (TRANSCRIPT_NAME.test(name)) return 'powershell-transcript';
  if (name.endsWith(POWERSHELL_HISTORY_SUFFIX)) return 'powershell';
  return SHELL_BY_NAME.get(name) ?? null;
}

/** The account a history file belongs to: Users/<u>/, Documents and Settings/<u>/, home/<u>/, root/. */
export function userFromPath(relPath: string): string | null {
  const parts = relPath.split('/');
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i]!.toLowerCase();
    if ((p === 'users' || p === 'home' || p === 'documents and settings') && parts[i + 1] && i + 1 < parts.length - 1) return parts[i + 1]!;
    if (p === 'root' && (i === 0 || parts[i - 1] === '')) return 'root';
  }
  return parts[0] === 'root' ? 'root' : null;
}

/** Bytes read per step: the file is never held whole (a history padded to hundreds of MB stays in bounds). */
const READ_CHUNK = 1024 * 1024;
/**
 * Bytes kept of one line: its first LIMITS.maxNameBytes characters need at most three bytes each
 * (UTF-8) or two (UTF-16), so the characters kept are those of the whole line; the rest of a longer
 * line is skipped unread into memory.
 */
const LINE_BYTES_KEPT = 4 * LIMITS.maxNameBytes;
/** Share of NUL and non-whitespace C0 control characters that marks a file as binary. */
const BINARY_RATIO = 0.1;
const BINARY_SAMPLE_CHARS = 64 * 1024;
/** Bytes that decode to at least BINARY_SAMPLE_CHARS characters in any of the encodings read. */
const BINARY_SAMPLE_BYTES = 4 * BINARY_SAMPLE_CHARS;

type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/**
 * zsh "metafies" bytes 0x83..0x9f etc.: 0x83 then (byte ^ 0x20). `pending`: the chunk before ended
 * in a lone 0x83 (chunks are never empty); returned true when this one does.
 */
function unmetafyChunk(buf: Buffer, pending: boolean): { out: Buffer; pending: boolean } {
  if (!pending && !buf.includes(0x83)) return { out: buf, pending: false };
  const out = Buffer.alloc(buf.length);
  let n = 0;
  let i = 0;
  if (pending) out[n++] = buf[i++]! ^ 0x20;
  for (; i < buf.length; i++) {
    if (buf[i] !== 0x83) out[n++] = buf[i]!;
    else if (i + 1 < buf.length) out[n++] = buf[++i]! ^ 0x20;
    else return { out: out.subarray(0, n), pending: true };
  }
  return { out: out.subarray(0, n), pending: false };
}

/**
 * The file's bytes (unmetafied for zsh) in chunks of at most READ_CHUNK, up to
 * LIMITS.maxTextArtifactBytes (a larger file gets a warning).
 */
function* historyChunks(src: ByteSource, zsh: boolean, warnings: string[]): Generator<Buffer> {
  const total = Math.min(src.size, LIMITS.maxTextArtifactBytes);
  if (src.size > total) warnings.push(`history is ${src.size} bytes; only the first ${total} are read`);
  let pending = false;
  for (let pos = 0; pos < total; ) {
    const chunk = src.read(pos, Math.min(READ_CHUNK, total - pos));
    if (chunk.length === 0) break;
    pos += chunk.length;
    if (!zsh) yield chunk;
    else {
      const u = unmetafyChunk(chunk, pending);
      pending = u.pending;
      yield u.out;
    }
  }
  if (pending) yield Buffer.from([0x83]); // a lone Meta at the very end stays as it is
}

/** Decodes the lines of one encoding: what the whole text decoded at once would give for each line, and whether any was invalid. */
class LineDecoder {
  invalid = false;
  truncated = 0;
  private readonly lenient: InstanceType<typeof TextDecoder>;
  private readonly strict: InstanceType<typeof TextDecoder> | null;

  constructor(readonly encoding: Encoding) {
    // ignoreBOM: a U+FEFF inside the text is a character; only the text's first one is dropped (readHistoryLines).
    this.lenient = new TextDecoder(encoding, { ignoreBOM: true });
    this.strict = encoding === 'utf-8' ? null : new TextDecoder(encoding, { fatal: true, ignoreBOM: true });
  }

  /** `cut`: the line went on past these bytes (then the check of validity stops at the last whole character). */
  decode(bytes: Buffer, cut: boolean): string {
    let text: string;
    if (this.encoding === 'utf-8') {
      const valid = isUtf8(cut ? bytes.subarray(0, utf8WholeEnd(bytes)) : bytes);
      if (!valid) this.invalid = true;
      text = valid && !cut ? bytes.toString('utf8') : this.lenient.decode(bytes);
    } else {
      let strict: string | null = null;
      try {
        strict = this.strict!.decode(cut ? bytes.subarray(0, utf16WholeEnd(bytes, this.encoding === 'utf-16be')) : bytes);
      } catch {
        this.invalid = true;
      }
      text = strict !== null && !cut ? strict : this.lenient.decode(bytes);
    }
    return this.bounded(text, cut);
  }

  /**
   * A whole line of a chunk of ASCII bytes (`isAscii`): the text `decode` gives it (ASCII is valid
   * UTF-8, and decodes the same as Latin-1), without a validity check and a copy of the bytes per line.
   */
  ascii(chunk: Buffer, start: number, end: number): string {
    return this.bounded(chunk.toString('latin1', start, end), false);
  }

  private bounded(decoded: string, cut: boolean): string {
    let text = decoded;
    if (!cut && text.endsWith('\r')) text = text.slice(0, -1);
    if (text.length > LIMITS.maxNameBytes) {
      text = text.slice(0, LIMITS.maxNameBytes);
      this.truncated++;
    }
    return text;
  }
}

/** Where the last whole UTF-8 character of a cut line ends (a sequence cut by the cut is left out). */
function utf8WholeEnd(bytes: Buffer): number {
  let end = bytes.length;
  for (let back = 0; back < 3 && end > 0 && (bytes[end - 1]! & 0xc0) === 0x80; back++) end--;
  return end > 0 && bytes[end - 1]! >= 0xc0 ? end - 1 : bytes.length;
}

/** The same for UTF-16: whole units, and no high surrogate left without its pair. */
function utf16WholeEnd(bytes: Buffer, bigEndian: boolean): number {
  let end = bytes.length & ~1;
  if (end >= 2) {
    const unit = bigEndian ? (bytes[end - 2]! << 8) | bytes[end - 1]! : bytes[end - 2]! | (bytes[end - 1]! << 8);
    if (unit >= 0xd800 && unit <= 0xdbff) end -= 2;
  }
  return end;
}

/** The encoding of a history and the length of its byte-order mark. */
function encodingOf(first: Buffer): { encoding: Encoding; bom: number } {
  if (first.length >= 2 && first[0] === 0xff && first[1] === 0xfe) return { encoding: 'utf-16le', bom: 2 };
  if (first.length >= 2 && first[0] === 0xfe && first[1] === 0xff) return { encoding: 'utf-16be', bom: 2 };
  if (first.length >= 3 && first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf) return { encoding: 'utf-8', bom: 3 };
  return { encoding: 'utf-8', bom: 0 };
}

function looksBinary(sample: string): boolean {
  if (sample.length === 0) return false;
  // eslint-disable-next-line no-control-regex
  const controls = sample.match(/[\u0000-\u0008\u000e-\u001f]/g)?.length ?? 0;
  return controls / sample.length > BINARY_RATIO;
}

/** Lines of a long history counted, not read: from the line after `from` lines up to `to` lines (a scan reads the newest, `newestLines`). */
interface SkippedLines {
  from: number;
  to: number;
}

/** A history's lines, or where a number comes, that many lines counted and not read. */
export type LineItem = string | number;

/**
 * The history's lines, one at a time, read a chunk at a time: by its byte-order mark UTF-16LE/BE or UTF-8 (invalid
 * sequences replaced with U+FFFD and a warning), split at '\n' (a CR before it dropped), at most
 * LIMITS.maxHistoryLines lines of at most LIMITS.maxNameBytes characters each (the same lines as
 * decoding the whole file and splitting it, without holding the file, its text, a line's rest or the
 * lines given). With `skip`, the lines from `skip.from` to `skip.to` are counted, not decoded, and
 * given as their number; the limit then counts from `skip.to`. Its warnings are pushed once the last
 * line is read; `seen.binary` is set then, and `seen.lines` to the lines counted.
 */
function* historyLines(
  src: ByteSource,
  shell: Shell,
  warnings: string[],
  seen: { binary: boolean; lines?: number },
  skip: SkippedLines | null = null,
  // With lines skipped, the count to the end is known (a file that changed while it was read stops there).
  limit = skip ? skip.to + LIMITS.maxHistoryLines + 1 : LIMITS.maxHistoryLines,
): Generator<LineItem> {
  const sizeWarnings: string[] = [];
  const chunks = historyChunks(src, shell === 'zsh', sizeWarnings);
  /** Lines given so far, and the last one held back: a last line that is empty is not one. */
  let count = 0;
  let held: string | null = null;
  let decoder: LineDecoder | null = null;
  let width = 1;
  let bigEndian = false;
  let bom = 0;
  /** Bytes of the body so far (for UTF-16: where a unit starts), and the first bytes kept for the binary check. */
  let bodyBytes = 0;
  const sample: Buffer[] = [];
  let sampleBytes = 0;
  let parts: Buffer[] = [];
  let kept = 0;
  let cut = false;
  let overLimit = false;
  /** Counting lines, not reading them; and whether the line being counted has bytes yet. */
  let skipping = skip !== null && skip.from === 0 && skip.to > 0;
  let skippedLineBytes = false;
  /** A UTF-16 byte held back so that every step starts on a unit. */
  let odd: Buffer | null = null;
  const keep = (bytes: Buffer): void => {
    const room = LINE_BYTES_KEPT - kept;
    if (bytes.length > room) cut = true;
    const part = bytes.length > room ? bytes.subarray(0, room) : bytes;
    if (part.length > 0) {
      parts.push(part);
      kept += part.length;
    }
  };
  const endLine = (): string => {
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, kept);
    let line = decoder!.decode(bytes, cut);
    // The text's own first character, a second byte-order mark, goes as a whole-text decode drops it.
    if (count === 0 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    parts = [];
    kept = 0;
    cut = false;
    return line;
  };
  read: for (let chunk of chunks) {
    if (!decoder) {
      const found = encodingOf(chunk);
      decoder = new LineDecoder(found.encoding);
      width = found.encoding === 'utf-8' ? 1 : 2;
      bigEndian = found.encoding === 'utf-16be';
      bom = found.bom;
      chunk = chunk.subarray(bom);
    }
    if (odd) {
      chunk = Buffer.concat([odd, chunk]);
      odd = null;
    }
    if (width === 2 && chunk.length % 2 === 1) {
      odd = chunk.subarray(chunk.length - 1);
      chunk = chunk.subarray(0, chunk.length - 1);
    }
    if (sampleBytes < BINARY_SAMPLE_BYTES) {
      const part = chunk.subarray(0, BINARY_SAMPLE_BYTES - sampleBytes);
      sample.push(part);
      sampleBytes += part.length;
    }
    bodyBytes += chunk.length;
    // Most histories are ASCII: their lines are cut from the chunk's text without a decoder call each.
    const ascii = width === 1 && isAscii(chunk);
    let at = 0;
    for (;;) {
      if (skipping) {
        const passed = skipNewlines(chunk, at, skip!.to - count, width, bigEndian);
        count += passed.lines;
        skippedLineBytes = passed.lines > 0 ? passed.lineStart < chunk.length : skippedLineBytes || chunk.length > at;
        at = passed.at;
        if (count < skip!.to) break;
        skipping = false;
        yield skip!.to - skip!.from;
        continue;
      }
      const nl = newlineAt(chunk, at, width, bigEndian);
      if (nl < 0) {
        keep(chunk.subarray(at));
        break;
      }
      let line: string;
      if (ascii && parts.length === 0 && nl - at <= LINE_BYTES_KEPT) line = decoder!.ascii(chunk, at, nl);
      else {
        keep(chunk.subarray(at, nl));
        line = endLine();
      }
      if (held !== null) yield held;
      held = line;
      count++;
      at = nl + width;
      if (skip && count === skip.from && skip.to > skip.from) {
        // The line before the skipped ones is not the last: given now.
        yield held;
        held = null;
        skipping = true;
      }
      // Another line follows this newline, even an empty one: past the limit, that is the rest skipped.
      if (count >= limit) {
        overLimit = true;
        break read;
      }
    }
  }
  if (odd) {
    if (!skipping) keep(odd);
    else skippedLineBytes = true;
    bodyBytes += 1;
  }
  seen.lines = count + (skipping && skippedLineBytes ? 1 : 0);
  if (!skipping && !overLimit && (kept > 0 || cut)) {
    if (held !== null) yield held;
    held = endLine();
  }

  pushAll(warnings, sizeWarnings);
  const encoding = decoder?.encoding ?? 'utf-8';
  // The body's length: of what was read, or for a history left at the line limit, of what a whole reading would take.
  const bodyLength = overLimit && shell !== 'zsh' ? Math.min(src.size, LIMITS.maxTextArtifactBytes) - bom : bodyBytes;
  if (encoding !== 'utf-8' && bodyLength % 2 !== 0) warnings.push(`${encoding} text has an odd trailing byte`);
  if (decoder?.invalid) warnings.push(encoding === 'utf-8' ? 'invalid UTF-8 sequences replaced with U+FFFD' : `invalid ${encoding.toUpperCase()} (lone surrogates) replaced with U+FFFD`);
  const sampleText = new TextDecoder(encoding).decode(Buffer.concat(sample, sampleBytes)).slice(0, BINARY_SAMPLE_CHARS);
  seen.binary = looksBinary(sampleText);
  if (seen.binary) warnings.push('file looks like binary data, not a text history; commands may be garbage');
  if (overLimit) warnings.push(`more than ${limit} lines; the rest is skipped`);
  if (skip && skip.to > skip.from) warnings.push(`lines ${skip.from + 1} to ${skip.to} not read: of a history this long, the first and the last ${skip.from} are`);
  if (decoder && decoder.truncated > 0) warnings.push(`${decoder.truncated} line(s) longer than ${LIMITS.maxNameBytes} characters truncated`);
  if (held !== null && held !== '') yield held;
}

/**
 * The lines a scan reads of a history: all of them, or of one with more than twice
 * LIMITS.maxHistoryLines, the first and the last as many (the newest commands are where an
 * intrusion is recorded; a history padded or grown past the limit no longer hides them). The lines
 * are counted first: a second reading, of a file of more than twice LIMITS.maxHistoryLines bytes only.
 */
function newestLines(src: ByteSource, shell: Shell, warnings: string[]): SkippedLines | null {
  const from = LIMITS.maxHistoryLines;
  // A line takes a byte at least (its newline): a file of fewer bytes than the limit has fewer lines, one of fewer than twice as many is read whole.
  if (src.size <= from) return null;
  if (src.size <= 2 * from) return { from, to: from };
  const seen: { binary: boolean; lines?: number } = { binary: false };
  try {
    for (const item of historyLines(src, shell, [], seen, { from: 0, to: Number.POSITIVE_INFINITY })) void item;
  } catch (err) {
    // A read that fails further in (a damaged image) leaves the first lines to read, as parse reads them.
    warnings.push(`the lines could not be counted (${(err as Error).message}); the first ${from} are read`);
    return null;
  }
  const total = seen.lines ?? 0;
  return total > 2 * from ? { from, to: total - from } : { from, to: from };
}

/**
 * Past up to `want` newlines from `from` (UTF-16: units on even offsets): where it stopped, how many
 * it passed and where the line after the last of them starts. A byte loop, not a search per line: it
 * meets every line of a padded history's middle.
 */
function skipNewlines(chunk: Buffer, from: number, want: number, width: number, bigEndian: boolean): { at: number; lines: number; lineStart: number } {
  let lines = 0;
  let lineStart = from;
  if (width === 1) {
    for (let i = from; i < chunk.length; i++) {
      if (chunk[i] !== 0x0a) continue;
      lineStart = i + 1;
      if (++lines === want) return { at: lineStart, lines, lineStart };
    }
  } else {
    const newline = bigEndian ? 1 : 0;
    for (let i = from; i + 1 < chunk.length; i += 2) {
      if (chunk[i + newline] !== 0x0a || chunk[i + 1 - newline] !== 0) continue;
      lineStart = i + 2;
      if (++lines === want) return { at: lineStart, lines, lineStart };
    }
  }
  return { at: chunk.length, lines, lineStart };
}

/**
 * Which lines of a history are read: the first LIMITS.maxHistoryLines (`parse`, which holds them),
 * also the last as many (a scan, `newestLines`), or all up to LIMITS.maxTextArtifactBytes
 * (`parse --format jsonl`, which holds none).
 */
export type HistoryLines = 'first' | 'newest' | 'all';

function linesOf(src: ByteSource, shell: Shell, warnings: string[], seen: { binary: boolean }, which: HistoryLines): Generator<LineItem> {
  if (which === 'all') return historyLines(src, shell, warnings, seen, null, Number.POSITIVE_INFINITY);
  return historyLines(src, shell, warnings, seen, which === 'newest' ? newestLines(src, shell, warnings) : null);
}

/** historyLines as a list (tests hold it to the whole-file reading). */
export function readHistoryLines(src: ByteSource, shell: Shell, warnings: string[], which: HistoryLines = 'first'): { lines: LineItem[]; binary: boolean } {
  const seen = { binary: false };
  const lines = Array.from(linesOf(src, shell, warnings, seen, which));
  return { lines, binary: seen.binary };
}

/** Where the next '\n' starts at or after `from` (for UTF-16, on a unit boundary), or -1. */
function newlineAt(chunk: Buffer, from: number, width: number, bigEndian: boolean): number {
  if (width === 1) return chunk.indexOf(0x0a, from);
  const unit = bigEndian ? NEWLINE_UTF16BE : NEWLINE_UTF16LE;
  for (let i = chunk.indexOf(unit, from); i >= 0; i = chunk.indexOf(unit, i + 1)) if ((i & 1) === 0) return i;
  return -1;
}

const NEWLINE_UTF16LE = Buffer.from([0x0a, 0x00]);
const NEWLINE_UTF16BE = Buffer.from([0x00, 0x0a]);

/**
 * The commands of a history, one at a time, in bounded memory (a scan matches them as they come;
 * `parse --format jsonl` writes them as they come), of the lines `which` says. Warnings are pushed
 * as parseHistory lists them, once the last command is given; `seen.binary` is set then.
 */
export function* historyCommands(src: ByteSource, shell: Shell, warnings: string[], seen: { binary: boolean } = { binary: false }, which: HistoryLines = 'first'): Generator<HistoryCommand> {
  yield* SPLITTERS[shell](linesOf(src, shell, warnings, seen, which), warnings);
}

export function parseHistory(src: ByteSource, shell: Shell): HistoryParse {
  const warnings: string[] = [];
  const seen = { binary: false };
  const commands = Array.from(historyCommands(src, shell, warnings, seen));
  return { commands, warnings, corrupted: historyCorrupted(warnings, seen.binary) };
}

/** A history whose reading replaced, cut or guessed at something. */
export function historyCorrupted(warnings: readonly string[], binary: boolean): boolean {
  return binary || warnings.some((w) => /invalid|truncated|odd trailing/.test(w));
}

/**
 * Lines in, commands out, one at a time: each splitter holds at most the command it is joining. A
 * number among the lines is that many lines not read: what was being joined ends there.
 */
type Splitter = (lines: Iterable<LineItem>, warnings: string[]) => Generator<HistoryCommand>;

function cutWarning(cut: { count: number }, warnings: string[]): void {
  if (cut.count > 0) warnings.push(`${cut.count} continued command(s) longer than ${LIMITS.maxHistoryCommandChars} characters truncated`);
}

/** One command per non-empty line. */
const plainLines: Splitter = function* (lines) {
  let n = 0;
  for (const command of lines) {
    if (typeof command === 'number') {
      n += command;
      continue;
    }
    n++;
    if (command.trim() !== '') yield { line: n, command, time: null };
  }
};

/**
 * A command continued over lines, joined once: the joined text is cut at
 * LIMITS.maxHistoryCommandChars (re-splitting the growing text per line was quadratic: 100,000
 * backtick lines took minutes); the lines it spans are still consumed.
 */
class Joiner {
  private readonly parts: string[] = [];
  private chars = 0;
  private full = true;

  constructor(
    readonly line: number,
    private readonly cut: { count: number },
  ) {}

  add(part: string): void {
    if (!this.full) return;
    const room = LIMITS.maxHistoryCommandChars - this.chars;
    if (part.length + (this.parts.length > 0 ? 1 : 0) > room) {
      if (room > 1) this.parts.push(part.slice(0, room - (this.parts.length > 0 ? 1 : 0)));
      this.full = false;
      this.cut.count++;
      return;
    }
    this.parts.push(part);
    this.chars += part.length + (this.parts.length > 1 ? 1 : 0);
  }

  text(): string {
    return this.parts.join('\n');
  }
}

/**
 * Joins a line with the next while `continues(line)` says so; `strip` removes the continuation mark
 * of a line that has a next one (a last line that continues is kept as written).
 */
function* joinContinuations(lines: Iterable<LineItem>, continues: (l: string) => boolean, strip: (l: string) => string, cut: { count: number }): Generator<{ text: string; line: number }> {
  let joining: Joiner | null = null;
  /** A continuing line not yet known to have a next one. */
  let held: string | null = null;
  let n = 0;
  /** The command being joined, its held line kept as written: no next line comes (the end, or lines not read). */
  const asWritten = (): { text: string; line: number } => {
    joining!.add(held!);
    const done = { text: joining!.text(), line: joining!.line };
    joining = null;
    held = null;
    return done;
  };
  for (const l of lines) {
    if (typeof l === 'number') {
      // Lines not read: a command continued into them is given as far as it was read.
      if (held !== null) yield asWritten();
      n += l;
      continue;
    }
    n++;
    if (held !== null) {
      joining!.add(strip(held));
      held = null;
    }
    if (continues(l)) {
      joining ??= new Joiner(n, cut);
      held = l;
      continue;
    }
    if (joining) {
      joining.add(l);
      yield { text: joining.text(), line: joining.line };
      joining = null;
    } else yield { text: l, line: n };
  }
  if (held !== null) yield asWritten();
}

/** PSReadLine: a line ending with a backtick continues on the next line. */
const powershell: Splitter = function* (lines, warnings) {
  const cut = { count: 0 };
  for (const { text, line } of joinContinuations(lines, (l) => l.endsWith('`'), (t) => t, cut)) if (text.trim() !== '') yield { line, command: text, time: null };
  cutWarning(cut, warnings);
};

/** bash: "#<epoch>" lines (HISTTIMEFORMAT) give the time of the next command. */
const bash: Splitter = function* (lines) {
  let pending: string | null = null;
  let n = 0;
  for (const l of lines) {
    if (typeof l === 'number') {
      n += l;
      pending = null;
      continue;
    }
    n++;
    const stamp = /^#(\d{9,11})$/.exec(l);
    if (stamp) {
      pending = unixSecondsToIso(Number(stamp[1]));
      continue;
    }
    if (l.trim() !== '') yield { line: n, command: l, time: pending };
    pending = null;
  }
};

/** zsh: ": <epoch>:<duration>;cmd" (EXTENDED_HISTORY); a trailing backslash continues the command. */
const zsh: Splitter = function* (lines, warnings) {
  const cut = { count: 0 };
  for (const { text, line } of joinContinuations(lines, (l) => l.endsWith('\\'), (t) => t.slice(0, -1), cut)) {
    const ext = /^: *(\d+):\d+;([\s\S]*)$/.exec(text);
    const command = ext ? ext[2]! : text;
    if (command.trim() !== '') yield { line, command, time: ext ? unixSecondsToIso(Number(ext[1])) : null };
  }
  cutWarning(cut, warnings);
};

/** fish: "- cmd: <escaped>" then "  when: <epoch>" (and "  paths:" lists); a command is given once the next one starts. */
const fish: Splitter = function* (lines) {
  let last: HistoryCommand | null = null;
  let n = 0;
  for (const l of lines) {
    if (typeof l === 'number') {
      n += l;
      if (last) yield last;
      last = null;
      continue;
    }
    n++;
    const cmd = /^- cmd: ?(.*)$/.exec(l);
    if (cmd) {
      if (last) yield last;
      last = { line: n, command: unescapeFish(cmd[1]!), time: null };
      continue;
    }
    const when = /^ {2}when: (\d+)$/.exec(l);
    if (when && last && last.time === null) last.time = unixSecondsToIso(Number(when[1]));
  }
  if (last) yield last;
};

function unescapeFish(s: string): string {
  return s.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

const SPLITTERS: Record<Shell, Splitter> = { powershell, 'powershell-transcript': transcriptCommands, bash, zsh, fish, sh: plainLines, python: plainLines };
