/**
 * Linux audit log (auditd, /var/log/audit/audit.log*) to events: the lines of one event share
 * `msg=audit(<epoch>.<ms>:<serial>)` and are joined by serial: SYSCALL (who: uid, auid, pid, exe,
 * success), EXECVE (argv: a0..aN, each quoted, hex-encoded when it holds spaces or special bytes,
 * or split into aN[0], aN[1], ... with aN_len when long), CWD, PATH (names the syscall touched) and
 * PROCTITLE (hex, NUL-separated argv, the fallback when EXECVE is absent). Enriched logs
 * (log_format=ENRICHED) append resolved names after a 0x1D separator (AUID="alice").
 *
 * Bounds: bytes read (LIMITS.maxTextArtifactBytes), line length, events open at once (lines of an
 * event are adjacent in practice; an event still open after MAX_OPEN others is closed), arguments
 * per event and characters per argument. Malformed lines are counted and warned about, never fatal.
 */
import { StringDecoder } from 'node:string_decoder';
import type { ByteSource } from '../../util/byte-source.js';
import { LIMITS } from '../../util/limits.js';
import type { ArtifactRecord } from '../types.js';

export interface AuditEvent extends ArtifactRecord {
  type: 'auditd-event';
  serial: number;
  /** ISO-8601 UTC with milliseconds (auditd's resolution). */
  time: string | null;
  /** 1-based line of the event's first line in the log. */
  line: number;
  syscall: string | null;
  success: boolean | null;
  uid: string | null;
  auid: string | null;
  /** Resolved login user name from an enriched log (AUID="alice"), else null. */
  user: string | null;
  pid: string | null;
  ppid: string | null;
  comm: string | null;
  exe: string | null;
  cwd: string | null;
  argv: string[];
  /** argv joined with shell quoting where an argument needs it (for the command matcher). */
  command: string | null;
  paths: Array<{ name: string; nametype: string | null }>;
  key: string | null;
  /** Record types seen for this serial (SYSCALL, EXECVE, PATH, ...). */
  records: string[];
}

export interface AuditParse {
  events: AuditEvent[];
  warnings: string[];
  corrupted: boolean;
}

const CHUNK_BYTES = 1024 * 1024;
const MAX_LINE_CHARS = 256 * 1024;
const MAX_OPEN = 4096;
const MAX_ARGS = 4096;
const MAX_ARG_CHARS = 64 * 1024;
const MAX_PATHS = 256;
const MAX_WARNINGS = 200;

const HEADER = /^(?:node=\S+ )?type=([A-Z_0-9]+) msg=audit\((\d+)\.(\d{1,3}):(\d+)\):\s?(.*)$/;

/** key=value pairs; values "quoted", 'quoted', or bare (hex-encoded strings are bare). Enriched part split off. */
export function fields(body: string): { raw: Map<string, string>; quoted: Set<string>; enriched: Map<string, string> } {
  const gs = body.indexOf('\u001d');
  const main = gs < 0 ? body : body.slice(0, gs);
  const raw = new Map<string, string>();
  const quoted = new Set<string>();
  eachPair(main, isFieldKeyChar, true, (key, value, wasQuoted) => {
    raw.set(key, value);
    if (wasQuoted) quoted.add(key);
  });
  const enriched = new Map<string, string>();
  if (gs >= 0) eachPair(body.slice(gs + 1), isEnrichedKeyChar, false, (key, value) => enriched.set(key, value));
  return { raw, quoted, enriched };
}

/** [A-Za-z0-9_[\]-]: a raw field's name. */
function isFieldKeyChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x5b || c === 0x5d || c === 0x2d;
}

/** [A-Z_]: an enriched field's name. */
function isEnrichedKeyChar(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}

/** JavaScript's \s (a bare value runs to the first of these). */
function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * The pairs /(KEY+)=("([^"]*)"|'([^']*)'|(\S*))/g finds (`bare`; else /(KEY+)="([^"]*)"/g), found in
 * one pass: the regular expression retried every start inside a long run of name characters with
 * no '=' after it, quadratic in the run (a 256 Ki-character line of one letter took 64 s).
 */
function eachPair(text: string, isKeyChar: (c: number) => boolean, bare: boolean, pair: (key: string, value: string, quoted: boolean) => void): void {
  const n = text.length;
  let p = 0;
  while (p < n) {
    let e = p;
    while (e < n && isKeyChar(text.charCodeAt(e))) e++;
    // No match starts inside this run of name characters (they all end where it ends), nor at its end.
    if (e === p || text.charCodeAt(e) !== 0x3d) {
      p = e + 1;
      continue;
    }
    const key = text.slice(p, e);
    const v = e + 1;
    const open = text.charCodeAt(v);
    if (open === 0x22 || (bare && open === 0x27)) {
      const close = text.indexOf(open === 0x22 ? '"' : "'", v + 1);
      if (close >= 0) {
        pair(key, text.slice(v + 1, close), true);
        p = close + 1;
        continue;
      }
    }
    if (!bare) {
      p = e + 1;
      continue;
    }
    let end = v;
    while (end < n && !isSpace(text.charCodeAt(end))) end++;
    pair(key, text.slice(v, end), false);
    p = end;
  }
}

/** An unquoted EXECVE / PATH / PROCTITLE value is hex (auditd encodes values with spaces or odd bytes). */
export function decodeValue(value: string, wasQuoted: boolean): string {
  if (wasQuoted || value === '(null)' || !/^([0-9A-Fa-f]{2})+$/.test(value)) return value;
  return Buffer.from(value, 'hex').toString('utf8');
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./\\-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function blank(serial: number, time: string | null, line: number): AuditEvent {
  return {
    type: 'auditd-event', serial, time, line, syscall: null, success: null, uid: null, auid: null, user: null, pid: null, ppid: null,
    comm: null, exe: null, cwd: null, argv: [], command: null, paths: [], key: null, records: [],
  };
}

function get(f: ReturnType<typeof fields>, k: string): string | null {
  const v = f.raw.get(k);
  return v === undefined ? null : decodeValue(v, f.quoted.has(k));
}

/** Folds one line into its event. */
function apply(ev: AuditEvent, type: string, f: ReturnType<typeof fields>, execve: Map<number, string[]>): void {
  if (!ev.records.includes(type) && ev.records.length < 32) ev.records.push(type);
  switch (type) {
    case 'SYSCALL':
      ev.syscall = f.raw.get('syscall') ?? null;
      ev.success = f.raw.has('success') ? f.raw.get('success') === 'yes' : null;
      ev.uid = f.raw.get('uid') ?? null;
      ev.auid = f.raw.get('auid') ?? null;
      ev.pid = f.raw.get('pid') ?? null;
      ev.ppid = f.raw.get('ppid') ?? null;
      ev.comm = get(f, 'comm');
      ev.exe = get(f, 'exe');
      ev.key = get(f, 'key');
      ev.user = f.enriched.get('AUID') ?? ev.user;
      break;
    case 'EXECVE': {
      for (const [k, v] of f.raw) {
        const m = /^a(\d+)(?:\[(\d+)\])?$/.exec(k);
        if (!m) continue;
        const index = Number(m[1]);
        if (index >= MAX_ARGS) continue;
        // Pieces of a long argument are joined before decoding: a hex split may cut a UTF-8 character.
        const pieces = execve.get(index) ?? [];
        pieces[m[2] === undefined ? 0 : Math.min(Number(m[2]), MAX_ARGS)] = f.quoted.has(k) ? `"${v}` : v;
        execve.set(index, pieces);
      }
      break;
    }
    case 'CWD':
      ev.cwd = get(f, 'cwd');
      break;
    case 'PATH': {
      const name = get(f, 'name');
      if (name && name !== '(null)' && ev.paths.length < MAX_PATHS) ev.paths.push({ name, nametype: f.raw.get('nametype') ?? null });
      break;
    }
    case 'PROCTITLE': {
      const title = get(f, 'proctitle');
      if (title && ev.argv.length === 0 && execve.size === 0) ev.argv = title.split('\u0000').filter((a) => a !== '').slice(0, MAX_ARGS);
      break;
    }
    default:
      break;
  }
}

function finish(ev: AuditEvent, execve: Map<number, string[]>): AuditEvent {
  if (execve.size > 0) {
    const indexes = [...execve.keys()].sort((a, b) => a - b);
    ev.argv = indexes.map((i) => {
      const pieces = execve.get(i)!.filter((x) => x !== undefined);
      const quoted = pieces.some((x) => x.startsWith('"'));
      const text = quoted ? pieces.map((x) => (x.startsWith('"') ? x.slice(1) : x)).join('') : decodeValue(pieces.join(''), false);
      return text.slice(0, MAX_ARG_CHARS);
    });
  }
  if (ev.argv.length > 0) ev.command = ev.argv.map(shellQuote).join(' ');
  return ev;
}

function isoTime(seconds: string, millis: string): string | null {
  const ms = Number(seconds) * 1000 + Number(millis.padEnd(3, '0'));
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** Reads the log in 1 MiB steps; returns every event (what `streamAudit` yields, collected). */
export function parseAudit(src: ByteSource): AuditParse {
  const warnings: string[] = [];
  const events: AuditEvent[] = [];
  const stream = streamAudit(src, warnings);
  for (let next = stream.next(); ; next = stream.next()) {
    if (next.done) return { events, warnings, corrupted: next.value };
    events.push(next.value);
  }
}

/**
 * The events of the log in line order, yielded as soon as no event still open can come before them
 * (lines of one event are adjacent in practice, so few wait); warnings are appended to `warnings` as
 * they arise. Returns whether the log was damaged (lines that are not audit records).
 */
export function* streamAudit(src: ByteSource, warnings: string[]): Generator<AuditEvent, boolean> {
  let warned = 0;
  const warn = (m: string) => {
    if (warned++ < MAX_WARNINGS) warnings.push(m);
  };
  const open = new Map<number, { ev: AuditEvent; execve: Map<number, string[]> }>();
  /** Closed events waiting for the events opened before them to close. */
  let waiting: AuditEvent[] = [];
  let closed = 0;
  let malformed = 0;
  const close = (serial: number) => {
    const o = open.get(serial);
    if (!o) return;
    open.delete(serial);
    if (closed < LIMITS.maxHistoryLines) {
      closed++;
      waiting.push(finish(o.ev, o.execve));
    }
  };
  /** The waiting events before the first open one (the open map is in line order): every event before it has closed. */
  const ready = (): AuditEvent[] => {
    const first = open.values().next().value?.ev.line ?? Infinity;
    const out = waiting.filter((e) => e.line < first).sort((a, b) => a.line - b.line);
    if (out.length > 0) waiting = waiting.filter((e) => e.line >= first);
    return out;
  };
  const limit = Math.min(src.size, LIMITS.maxTextArtifactBytes);
  if (src.size > limit) warn(`read the first ${limit} bytes of ${src.size}`);
  let carry = '';
  let lineNo = 0;
  /** The line last cut (warned about). */
  let cutLine = -1;
  const decoder = new StringDecoder('utf8');
  const handle = (line: string) => {
    lineNo++;
    if (line.trim() === '') return;
    const m = HEADER.exec(line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line);
    if (!m) {
      malformed++;
      if (malformed <= 5) warn(`line ${lineNo}: not an audit record`);
      return;
    }
    const [, type, secs, millis, serialText, body] = m;
    const serial = Number(serialText);
    if (type === 'EOE') {
      close(serial);
      return;
    }
    let o = open.get(serial);
    if (!o) {
      if (open.size >= MAX_OPEN) close(open.keys().next().value!);
      o = { ev: blank(serial, isoTime(secs!, millis!), lineNo), execve: new Map() };
      open.set(serial, o);
    }
    apply(o.ev, type!, fields(body!), o.execve);
  };
  for (let pos = 0; pos < limit; pos += CHUNK_BYTES) {
    const text = carry + decoder.write(src.read(pos, Math.min(CHUNK_BYTES, limit - pos)));
    const lines = text.split('\n');
    carry = lines.pop() ?? '';
    if (carry.length > MAX_LINE_CHARS) {
      // Said once per line, though a line of many chunks is cut at each.
      const line = lineNo + lines.length + 1;
      if (line !== cutLine) warn(`line ${line}: longer than ${MAX_LINE_CHARS} characters, cut`);
      cutLine = line;
      carry = carry.slice(0, MAX_LINE_CHARS);
    }
    for (const l of lines) handle(l);
    yield* ready();
  }
  carry += decoder.end();
  if (carry) handle(carry);
  for (const serial of [...open.keys()]) close(serial);
  if (malformed > 5) warn(`${malformed} lines were not audit records`);
  yield* ready();
  return malformed > 0;
}
