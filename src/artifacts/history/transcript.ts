/**
 * PowerShell transcripts (`Start-Transcript`, or every session once the "Turn on PowerShell
 * Transcription" policy is set): `PowerShell_transcript.<host>.<random>.<yyyyMMddHHmmss>.txt`, in
 * `Documents\<yyyyMMdd>\` of the user's profile or the policy's output folder. Unlike PSReadLine's
 * history they hold each session's user, the host process's command line (`powershell.exe -c ...`
 * run by a script or a remote tool leaves no typed command, only this line) and, with invocation
 * headers, the time each command started. Layout (PowerShell's InternalHostUserInterfaceStrings):
 *
 *   **********************
 *   Windows PowerShell transcript start        ("PowerShell transcript start" with a minimal header)
 *   Start time: 20250220023912                 (local time, no zone)
 *   Username: CONTOSO\alice
 *   RunAs User: CONTOSO\alice
 *   Machine: WS01 (Microsoft Windows NT 10.0.19045.0)
 *   Host Application: C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe -nop -c ...
 *   Process ID: 4242
 *   PSVersion: 5.1.19041.1 ...
 *   **********************
 *   **********************                     (invocation headers only)
 *   Command start time: 20250220024005
 *   **********************
 *   PS C:\Users\alice> Compress-Archive -Path ... (the prompt, then the command)
 *   >> more of it                               (the rest of a multi-line command)
 *   ... output ...
 *   **********************
 *   Windows PowerShell transcript end
 *   End time: 20250220024130
 *   **********************
 *
 * Times are the machine's local time; `transcriptZone` says when the file's own times pin the offset.
 */
import { LIMITS } from '../../util/limits.js';
import { isoFromMs, isRealDateTime } from '../../util/filetime.js';
import type { ByteSource } from '../../util/byte-source.js';
import type { HistoryCommand, LineItem } from './parse.js';

/** The policy's and Start-Transcript's file names, and their lower-case beginning (the parser pre-filter's claim). */
export const TRANSCRIPT_NAME = /^powershell_transcript\..+\.txt$/i;
export const TRANSCRIPT_PREFIX = 'powershell_transcript.';

const STARS = /^\*{10,}$/;
/** The default prompt and its remote form: `PS C:\Users\alice> `, `PS HKLM:\> `, `[ws01]: PS C:\> `, `PS>`. */
const PROMPT = /^(?:\[[^\]\r\n]{1,256}\]: )?PS(?: [^>\r\n]{0,1024})?> ?/;
const STAMP = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/;

/** `yyyyMMddHHmmss` as `yyyy-MM-ddTHH:mm:ss` (local, no zone), or null when it is not a date. */
export function transcriptLocalTime(stamp: string): string | null {
  const m = STAMP.exec(stamp.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  if (!isRealDateTime(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s))) return null;
  return `${y}-${mo}-${d}T${h}:${mi}:${s}`;
}

/** The account name of `DOMAIN\user` (or `user@domain`). */
function accountName(text: string): string | null {
  const t = text.trim();
  if (t === '') return null;
  const name = t.includes('\\') ? t.slice(t.lastIndexOf('\\') + 1) : t.split('@')[0]!;
  return name === '' ? null : name.slice(0, 256);
}

/**
 * The commands of a transcript, one at a time: each session's host command line (at the session's
 * start time) and each command after a prompt (or after an invocation header, whatever the prompt),
 * its `>> ` lines joined to it, at the time its header gives. Output lines are not commands.
 */
export function* transcriptCommands(lines: Iterable<LineItem>, warnings: string[]): Generator<HistoryCommand> {
  let n = 0;
  /** Inside a `****` block, the lines read of it (at most 64: a block is ten lines). */
  let block: string[] | null = null;
  let sessionUser: string | null = null;
  /** The next command's start time, from an invocation header. */
  let pendingTime: string | null = null;
  let held: (HistoryCommand & { chars: number }) | null = null;
  let cut = 0;
  const flush = function* (): Generator<HistoryCommand> {
    if (held && held.command.trim() !== '') {
      const { chars: _chars, ...command } = held;
      yield command;
    }
    held = null;
  };
  const start = (line: number, command: string, localTime: string | null): void => {
    const text = command.length > LIMITS.maxHistoryCommandChars ? command.slice(0, LIMITS.maxHistoryCommandChars) : command;
    if (text.length < command.length) cut++;
    held = { line, command: text, time: null, localTime, user: sessionUser, chars: text.length };
  };
  for (const l of lines) {
    if (typeof l === 'number') {
      // Lines not read: what was being joined ends, and so does the block or header they cut.
      yield* flush();
      n += l;
      block = null;
      pendingTime = null;
      continue;
    }
    n++;
    if (STARS.test(l)) {
      if (block === null) {
        yield* flush();
        block = [];
        continue;
      }
      const closed = block;
      block = null;
      const session = sessionHeader(closed);
      if (session) {
        sessionUser = session.user;
        pendingTime = null;
        if (session.host) {
          // The line of the Host Application field: the block's lines are the ones just before this closing line.
          start(n - closed.length + session.hostIndex, session.host, session.start);
          yield* flush();
        }
      } else {
        const commandStart = closed.map((x) => /^Command start time: (\d{14})\s*$/.exec(x)).find((m) => m);
        if (commandStart) pendingTime = transcriptLocalTime(commandStart[1]!);
      }
      continue;
    }
    if (block !== null) {
      // A line of stars that never closes (output that printed one) is not a block: at most 64 lines are one.
      if (block.length < 64) block.push(l);
      else block = null;
      continue;
    }
    if (held && l.startsWith('>> ')) {
      const h: HistoryCommand & { chars: number } = held;
      if (h.chars + 1 + l.length - 3 <= LIMITS.maxHistoryCommandChars) {
        h.command += `\n${l.slice(3)}`;
        h.chars += l.length - 2;
      } else if (h.chars < LIMITS.maxHistoryCommandChars) {
        cut++;
        h.chars = LIMITS.maxHistoryCommandChars;
      }
      continue;
    }
    const prompt = PROMPT.exec(l);
    if (prompt || pendingTime !== null) {
      yield* flush();
      // After an invocation header the next line is the command whatever the prompt looks like (a custom prompt function).
      const text = prompt ? l.slice(prompt[0].length) : l;
      if (text.trim() !== '' || pendingTime === null) start(n, text, pendingTime);
      pendingTime = null;
      continue;
    }
    yield* flush();
  }
  yield* flush();
  if (cut > 0) warnings.push(`${cut} transcript command(s) longer than ${LIMITS.maxHistoryCommandChars} characters truncated`);
}

/** A session's prologue block: its start time, user and host command line; null for any other block. */
function sessionHeader(block: readonly string[]): { start: string | null; user: string | null; host: string | null; hostIndex: number } | null {
  if (!block.some((l) => /^(Windows )?PowerShell transcript start\s*$/.test(l))) return null;
  const index = (name: string): number => block.findIndex((l) => l.startsWith(`${name}:`));
  const field = (name: string): string | null => {
    const i = index(name);
    return i < 0 ? null : block[i]!.slice(name.length + 1).trim();
  };
  const stamp = field('Start time');
  return { start: stamp ? transcriptLocalTime(stamp) : null, user: accountName(field('Username') ?? ''), host: field('Host Application') || null, hostIndex: index('Host Application') };
}

/** Bytes read at each end of a transcript for its first start and last end time (a prologue is under 1 KiB). */
const STAMP_BYTES = 8192;

/** The first session's start time and the last session's end time (local), from the file's first and last bytes. */
export function transcriptStamps(src: ByteSource): { firstStart: string | null; lastEnd: string | null } {
  const head = src.read(0, Math.min(src.size, STAMP_BYTES));
  // PowerShell writes UTF-8 or (the older console host) UTF-16LE, with a byte-order mark; an even offset of a UTF-16 file starts a unit.
  const utf16 = (head[0] === 0xff && head[1] === 0xfe) || (head.length >= 4 && head[1] === 0 && head[3] === 0);
  const tailAt = Math.max(0, src.size - STAMP_BYTES) & ~1;
  const tail = tailAt === 0 ? head : src.read(tailAt, src.size - tailAt);
  const decode = (b: Buffer): string => b.toString(utf16 ? 'utf16le' : 'utf8');
  const start = /^Start time: (\d{14})\s*$/m.exec(decode(head));
  let end: string | null = null;
  for (const m of decode(tail).matchAll(/^End time: (\d{14})\s*$/gm)) end = m[1]!;
  return { firstStart: start ? transcriptLocalTime(start[1]!) : null, lastEnd: end ? transcriptLocalTime(end) : null };
}

/** The offset that turned UTC into the transcript's local times, and how it is known. */
export interface TranscriptZone {
  /** Minutes east of UTC (local = UTC + offset). */
  offsetMinutes: number;
  how: string;
}

/** Local times are whole seconds; the file system writes within moments of them. */
const ANCHOR_SLACK_MS = 120_000;
/** Offsets are whole quarter hours (Nepal's +05:45, Chatham's +12:45). */
const QUARTER_HOUR_MS = 15 * 60_000;
const MAX_OFFSET_MS = 14 * 3_600_000;
/** A file written over a shorter span has a born and a modified time a copy could give as well. */
const MIN_WRITE_SPAN_MS = 5 * 60_000;

/** The offset `localIso - utcMs` rounds to, when it is a whole quarter hour within the slack; else null. */
function offsetOf(localIso: string, utcMs: number): number | null {
  const local = Date.parse(`${localIso}Z`);
  if (!Number.isFinite(local) || !Number.isFinite(utcMs)) return null;
  const diff = local - utcMs;
  const offset = Math.round(diff / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
  return Math.abs(diff - offset) <= ANCHOR_SLACK_MS && Math.abs(offset) <= MAX_OFFSET_MS ? offset : null;
}

/**
 * The machine's UTC offset when the transcript's file times pin it: the file was born when its first
 * session started and last modified when its last one ended (PowerShell writes the prologue on
 * creation and the epilogue last), both a whole quarter hour from the local times written in it, the
 * same quarter hour, over a span of five minutes or more. A copy (a collection that did not keep the
 * times) has times of its own that seldom fit both; a transcript still open, or its times lost,
 * gives null, and its times stay local.
 */
export function transcriptZone(firstStart: string | null, lastEnd: string | null, born: string | null, modified: string | null): TranscriptZone | null {
  if (!firstStart || !lastEnd || !born || !modified) return null;
  const bornMs = Date.parse(born);
  const modifiedMs = Date.parse(modified);
  if (!(modifiedMs - bornMs >= MIN_WRITE_SPAN_MS)) return null;
  const atStart = offsetOf(firstStart, bornMs);
  const atEnd = offsetOf(lastEnd, modifiedMs);
  if (atStart === null || atStart !== atEnd) return null;
  return { offsetMinutes: atStart / 60_000, how: 'the file was born at its first start time and last written at its last end time, both at this offset' };
}

/** A local `yyyy-MM-ddTHH:mm:ss` at a known offset, as ISO-8601 UTC. */
export function localToUtc(localIso: string, zone: TranscriptZone): string | null {
  const local = Date.parse(`${localIso}Z`);
  return Number.isFinite(local) ? isoFromMs(local - zone.offsetMinutes * 60_000) : null;
}
