/**
 * Shell history files to commands: PSReadLine, bash, zsh, fish, sh/ash, python.
 * Pure: bytes in, { line, command, time } out. Every length is bounded (LIMITS).
 */
import type { ByteSource } from '../../util/byte-source.js';
import { LIMITS } from '../../util/limits.js';
import { unixSecondsToIso } from '../../util/filetime.js';

export type Shell = 'powershell' | 'bash' | 'zsh' | 'fish' | 'sh' | 'python';

export interface HistoryCommand {
  /** 1-based line where the command starts. */
  line: number;
  command: string;
  time: string | null;
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

/** Reads up to LIMITS.maxTextArtifactBytes in chunks no bigger than LIMITS.maxReadBytes. */
function readBounded(src: ByteSource, warnings: string[]): Buffer {
  const total = Math.min(src.size, LIMITS.maxTextArtifactBytes);
  if (src.size > total) warnings.push(`history is ${src.size} bytes; only the first ${total} are read`);
  const chunks: Buffer[] = [];
  for (let pos = 0; pos < total; ) {
    const chunk = src.read(pos, Math.min(LIMITS.maxReadBytes, total - pos));
    if (chunk.length === 0) break;
    chunks.push(chunk);
    pos += chunk.length;
  }
  return Buffer.concat(chunks);
}

/** zsh "metafies" bytes 0x83..0x9f etc.: 0x83 then (byte ^ 0x20). */
export function unmetafy(buf: Buffer): Buffer {
  if (!buf.includes(0x83)) return buf;
  const out = Buffer.alloc(buf.length);
  let n = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === 0x83 && i + 1 < buf.length) out[n++] = buf[++i]! ^ 0x20;
    else out[n++] = buf[i]!;
  }
  return out.subarray(0, n);
}

/** Decodes by BOM (UTF-16LE/BE, UTF-8); invalid UTF-8 is replaced with U+FFFD plus a warning. */
export function decodeHistoryText(buf: Buffer, warnings: string[]): string {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return decodeUtf16(buf.subarray(2), 'utf-16le', warnings);
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return decodeUtf16(buf.subarray(2), 'utf-16be', warnings);
  const body = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? buf.subarray(3) : buf;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    warnings.push('invalid UTF-8 sequences replaced with U+FFFD');
    return new TextDecoder('utf-8').decode(body);
  }
}

function decodeUtf16(body: Buffer, label: 'utf-16le' | 'utf-16be', warnings: string[]): string {
  if (body.length % 2 !== 0) warnings.push(`${label} text has an odd trailing byte`);
  try {
    return new TextDecoder(label, { fatal: true }).decode(body);
  } catch {
    warnings.push(`invalid ${label.toUpperCase()} (lone surrogates) replaced with U+FFFD`);
    return new TextDecoder(label).decode(body);
  }
}

/** Share of NUL and non-whitespace C0 control characters that marks a file as binary. */
const BINARY_RATIO = 0.1;
const BINARY_SAMPLE_CHARS = 64 * 1024;

function looksBinary(text: string): boolean {
  const sample = text.slice(0, BINARY_SAMPLE_CHARS);
  if (sample.length === 0) return false;
  // eslint-disable-next-line no-control-regex
  const controls = sample.match(/[\u0000-\u0008\u000e-\u001f]/g)?.length ?? 0;
  return controls / sample.length > BINARY_RATIO;
}

/** Splits into lines, enforcing the line-count and line-length limits. */
function boundedLines(text: string, warnings: string[]): string[] {
  const lines: string[] = [];
  let truncated = 0;
  let start = 0;
  while (start <= text.length) {
    if (lines.length >= LIMITS.maxHistoryLines) {
      warnings.push(`more than ${LIMITS.maxHistoryLines} lines; the rest is skipped`);
      break;
    }
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let line = text.slice(start, end > start && text[end - 1] === '\r' ? end - 1 : end);
    if (line.length > LIMITS.maxNameBytes) {
      line = line.slice(0, LIMITS.maxNameBytes);
      truncated++;
    }
    lines.push(line);
    start = end + 1;
  }
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (truncated > 0) warnings.push(`${truncated} line(s) longer than ${LIMITS.maxNameBytes} characters truncated`);
  return lines;
}

export function parseHistory(src: ByteSource, shell: Shell): HistoryParse {
  const warnings: string[] = [];
  let buf = readBounded(src, warnings);
  if (shell === 'zsh') buf = unmetafy(buf);
  const text = decodeHistoryText(buf, warnings);
  const binary = looksBinary(text);
  if (binary) warnings.push('file looks like binary data, not a text history; commands may be garbage');
  const lines = boundedLines(text, warnings);
  const commands = SPLITTERS[shell](lines, warnings);
  const corrupted = binary || warnings.some((w) => /invalid|truncated|odd trailing/.test(w));
  return { commands, warnings, corrupted };
}

type Splitter = (lines: string[], warnings: string[]) => HistoryCommand[];

function cutWarning(cut: { count: number }, warnings: string[]): void {
  if (cut.count > 0) warnings.push(`${cut.count} continued command(s) longer than ${LIMITS.maxHistoryCommandChars} characters truncated`);
}

/** One command per non-empty line. */
const plainLines: Splitter = (lines) =>
  lines.flatMap((command, i) => (command.trim() === '' ? [] : [{ line: i + 1, command, time: null }]));

/**
 * Joins a line with the next while `continues(line)` says so; `strip` removes the continuation
 * mark. Linear: each line is looked at once and the parts are joined once (re-splitting the
 * growing text per line was quadratic: 100,000 backtick lines took minutes). The joined command
 * is cut at LIMITS.maxHistoryCommandChars; the lines it spans are still consumed.
 */
function joinContinuations(
  lines: string[],
  from: number,
  continues: (l: string) => boolean,
  strip: (l: string) => string,
  cut: { count: number },
): { text: string; next: number } {
  let i = from;
  if (!continues(lines[i]!) || i + 1 >= lines.length) return { text: lines[i]!, next: i + 1 };
  const parts: string[] = [];
  let chars = 0;
  let full = true;
  const add = (part: string): void => {
    if (!full) return;
    const room = LIMITS.maxHistoryCommandChars - chars;
    if (part.length + (parts.length > 0 ? 1 : 0) > room) {
      if (room > 1) parts.push(part.slice(0, room - (parts.length > 0 ? 1 : 0)));
      full = false;
      cut.count++;
      return;
    }
    parts.push(part);
    chars += part.length + (parts.length > 1 ? 1 : 0);
  };
  while (continues(lines[i]!) && i + 1 < lines.length) {
    add(strip(lines[i]!));
    i++;
  }
  add(lines[i]!);
  return { text: parts.join('\n'), next: i + 1 };
}

/** PSReadLine: a line ending with a backtick continues on the next line. */
const powershell: Splitter = (lines, warnings) => {
  const out: HistoryCommand[] = [];
  const cut = { count: 0 };
  for (let i = 0; i < lines.length; ) {
    const { text, next } = joinContinuations(lines, i, (l) => l.endsWith('`'), (t) => t, cut);
    if (text.trim() !== '') out.push({ line: i + 1, command: text, time: null });
    i = next;
  }
  cutWarning(cut, warnings);
  return out;
};

/** bash: "#<epoch>" lines (HISTTIMEFORMAT) give the time of the next command. */
const bash: Splitter = (lines) => {
  const out: HistoryCommand[] = [];
  let pending: string | null = null;
  lines.forEach((l, i) => {
    const stamp = /^#(\d{9,11})$/.exec(l);
    if (stamp) {
      pending = unixSecondsToIso(Number(stamp[1]));
      return;
    }
    if (l.trim() !== '') out.push({ line: i + 1, command: l, time: pending });
    pending = null;
  });
  return out;
};

/** zsh: ": <epoch>:<duration>;cmd" (EXTENDED_HISTORY); a trailing backslash continues the command. */
const zsh: Splitter = (lines, warnings) => {
  const out: HistoryCommand[] = [];
  const cut = { count: 0 };
  for (let i = 0; i < lines.length; ) {
    const { text, next } = joinContinuations(lines, i, (l) => l.endsWith('\\'), (t) => t.slice(0, -1), cut);
    const ext = /^: *(\d+):\d+;([\s\S]*)$/.exec(text);
    const command = ext ? ext[2]! : text;
    if (command.trim() !== '') out.push({ line: i + 1, command, time: ext ? unixSecondsToIso(Number(ext[1])) : null });
    i = next;
  }
  cutWarning(cut, warnings);
  return out;
};

/** fish: "- cmd: <escaped>" then "  when: <epoch>" (and "  paths:" lists). */
const fish: Splitter = (lines) => {
  const out: HistoryCommand[] = [];
  lines.forEach((l, i) => {
    const cmd = /^- cmd: ?(.*)$/.exec(l);
    if (cmd) {
      out.push({ line: i + 1, command: unescapeFish(cmd[1]!), time: null });
      return;
    }
    const when = /^ {2}when: (\d+)$/.exec(l);
    const last = out[out.length - 1];
    if (when && last && last.time === null) last.time = unixSecondsToIso(Number(when[1]));
  });
  return out;
};

function unescapeFish(s: string): string {
  return s.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

const SPLITTERS: Record<Shell, Splitter> = { powershell, bash, zsh, fish, sh: plainLines, python: plainLines };
