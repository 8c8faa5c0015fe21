/**
 * YARA rules over the scan's files (docs/yara.md): YARA workers (yara-worker.ts), one per core up to
 * LIMITS.yaraWorkers, each compiling the rules once. The scan's thread reads each file through
 * src/evidence/ when a worker is free and sends it its bytes; the answer settles the file's promise
 * (the walk goes on meanwhile and keeps results in walk order: pipeline/in-order.ts). A worker past
 * the time limit is ended and a new one compiles the rules again.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { OsKind } from '../../model/evidence.js';
import { globalsFor } from './globals.js';
import type { YaraMemberStats, YaraMeta, YaraRuleFile } from '../../model/report.js';
import type { ByteSource } from '../../util/byte-source.js';
import { LIMITS } from '../../util/limits.js';
import { newWorker } from '../../util/new-worker.js';
import type { Hit } from '../types.js';
import { yaraDetail, yaraHit, type YaraDetail } from './hits.js';
import { REPORT_BYTES, SLOT, STATE, type CompileReport, type MemberLimits, type MemberTally, type WireMatch, type YaraGlobals, type YaraRequest, type YaraResponse, type YaraSource, type YaraWorkerData } from './protocol.js';

const WORKER_URL = new URL('./yara-worker.js', import.meta.url);

/** The rule files read from --yara, ready for the worker (src/cli/yara.ts reads them). */
export interface YaraRuleSet {
  files: YaraRuleFile[];
  sources: YaraSource[];
  /** Files not read (too large, unreadable), with why. */
  skipped: Array<{ path: string; reason: string }>;
}

export interface YaraLimits {
  /** Files larger than this are not scanned (counted). */
  maxFileBytes: number;
  /** Longest one file's scan may take before its worker is ended. */
  timeoutMs: number;
  /** How far the rules look into archives; null: not at all (--yara-members 0). */
  members: MemberLimits | null;
}

/** What the rules said of one file. */
export type YaraOutcome =
  /** `cut`: more rules matched than a reply holds (the first are reported). */
  | YaraMatched
  | { k: 'clean'; members?: MemberTally }
  | { k: 'too-large' }
  /** `matched`: what the file and the members before the one that timed out gave (an archive's), kept. */
  | { k: 'timed-out'; message: string; matched?: YaraMatched }
  | { k: 'error'; message: string };

/** A file the rules matched: what joins its finding. */
export type YaraMatched = { k: 'matched'; hits: Hit[]; details: YaraDetail[]; cut?: true; members?: MemberTally };

export class YaraUnavailableError extends Error {}

/** The rules could not be compiled at all: the CLI's one line and exit code 2. */
export class YaraCompileError extends Error {
  constructor(
    message: string,
    /** The rule files that did not compile, with why. */
    readonly unsupported: Array<{ path: string; reason: string }>,
  ) {
    super(message);
  }
}

const decoder = new TextDecoder();

/** Rules reported per file, its members' included (as a worker's reply holds: yara-worker.ts). */
const RULES_PER_FILE = 100;

/** What an analyst must know of an archive's members the rules did not see (whole), or null; encrypted members are counted in meta.yara only (the archive's own finding says it is encrypted). */
export function memberWarning(t: MemberTally): string | null {
  const parts: string[] = [];
  if (t.beyond > 0) parts.push(`${t.beyond} past --yara-members`);
  if (t.tooLarge > 0) parts.push(`${t.tooLarge} larger than --yara-max-size`);
  if (t.budget > 0) parts.push(`${t.budget} past the ${LIMITS.yaraArchiveBytes / 1024 / 1024} MiB decompressed per archive`);
  if (t.method > 0) parts.push(`${t.method} compressed with a method not decompressed here`);
  if (t.damaged > 0) parts.push(`${t.damaged} damaged`);
  if (parts.length === 0 && t.notes.length === 0) return null;
  const notes = t.notes.length > 0 ? ` (${t.notes.join('; ')})` : '';
  return `YARA: archive members not given to the rules whole: ${parts.length > 0 ? parts.join(', ') : 'listing damaged'}${notes}`;
}

/** Two workers' tallies of one archive, summed. */
function addTally(a: MemberTally, b: MemberTally): MemberTally {
  return {
    ...a,
    scanned: a.scanned + b.scanned,
    matched: a.matched + b.matched,
    encrypted: a.encrypted + b.encrypted,
    method: a.method + b.method,
    tooLarge: a.tooLarge + b.tooLarge,
    damaged: a.damaged + b.damaged,
    budget: a.budget + b.budget,
    notes: [...a.notes, ...b.notes.filter((n) => !a.notes.includes(n))].slice(0, 5),
  };
}

/** A file waiting for a worker: read when one is free (it stays open until then). */
interface Pending {
  src: ByteSource;
  globals: YaraGlobals;
  resolve(outcome: YaraOutcome): void;
  /** An archive a worker handed back when its scans ran out: its bytes, the member to go on from, and what was found so far. */
  resume?: { bytes: Uint8Array; from: number; matches: WireMatch[]; cut: boolean; members: MemberTally };
}

/** A worker and what it is doing. */
interface Slot {
  worker: Worker;
  /** Files it has scanned (it is replaced after LIMITS.yaraFilesPerWorker). */
  scans: number;
  /** `found`: what the worker's ticks reported matched so far (kept if a member times out). */
  busy: { id: number; file: Pending; timer: NodeJS.Timeout; member: string | null; found: WireMatch[] } | null;
}

export class YaraScanner {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  private readonly stats = { filesScanned: 0, filesMatched: 0, tooLarge: 0, timedOut: 0, errors: 0, stopped: false };
  private readonly memberStats: YaraMemberStats = { archives: 0, packages: 0, scanned: 0, matched: 0, encrypted: 0, method: 0, tooLarge: 0, damaged: 0, budget: 0, beyond: 0 };
  readonly compileReport: CompileReport;

  /** Whether the compiled worker exists (not under ts-jest, which runs src/ without dist/: tests pass dist's URL). */
  static available(url: URL = WORKER_URL): boolean {
    return existsSync(fileURLToPath(url));
  }

  /** Starts the workers and compiles the rules (blocking); throws YaraCompileError when no rule file compiles. */
  constructor(
    private readonly rules: YaraRuleSet,
    readonly limits: YaraLimits,
    private readonly workerUrl: URL = WORKER_URL,
    workers = Math.max(1, Math.min(LIMITS.yaraWorkers, availableParallelism())),
  ) {
    if (!YaraScanner.available(workerUrl)) throw new YaraUnavailableError('YARA is not available in this build (its worker is missing)');
    const first = this.startWorker();
    this.compileReport = first.report;
    if (!first.slot) throw new YaraCompileError(this.compileReport.error ?? 'the rules did not compile', this.unsupported());
    this.slots.push(first.slot);
    for (let i = 1; i < workers; i++) {
      const more = this.startWorker();
      if (more.slot) this.slots.push(more.slot);
    }
  }

  /** Starts a worker and waits (blocked) until it has compiled the rules: its report, and the worker when they compiled. */
  private startWorker(): { slot: Slot | null; report: CompileReport } {
    const control = new SharedArrayBuffer(8);
    const report = new SharedArrayBuffer(REPORT_BYTES);
    const workerData: YaraWorkerData = { control, report, sources: this.rules.sources, maxMatchesPerPattern: LIMITS.yaraMaxMatchesPerPattern };
    const worker = newWorker(this.workerUrl, { workerData, stdout: false, stderr: false, trackUnmanagedFds: false, resourceLimits: { maxOldGenerationSizeMb: LIMITS.yaraWorkerHeapMb } });
    worker.unref();
    const ctrl = new Int32Array(control);
    const fail = (error: string): { slot: null; report: CompileReport } => {
      void worker.terminate().catch(() => undefined);
      return { slot: null, report: { ok: false, unsupported: [], warnings: 0, error } };
    };
    if (Atomics.wait(ctrl, SLOT.state, STATE.starting, LIMITS.yaraCompileMs) === 'timed-out') return fail(`the YARA worker did not compile the rules within ${LIMITS.yaraCompileMs / 1000} s`);
    const compiled = JSON.parse(decoder.decode(new Uint8Array(report, 0, Atomics.load(ctrl, SLOT.replyLength)).slice())) as CompileReport;
    if (Atomics.load(ctrl, SLOT.state) !== STATE.ready) return { ...fail(compiled.error ?? 'the rules did not compile'), report: { ...compiled, ok: false } };
    const slot: Slot = { worker, scans: 0, busy: null };
    worker.on('message', (response: YaraResponse) => this.answered(slot, response));
    // A worker that ends (out of memory) while it holds a file: the file's error, a new worker.
    worker.on('error', () => this.lost(slot, 'the YARA worker failed'));
    worker.on('exit', () => this.lost(slot, 'the YARA worker ended'));
    return { slot, report: compiled };
  }

  /** Rule files compiled (read, and not left out by the compiler). */
  get compiledFiles(): number {
    return this.rules.sources.length - this.compileReport.unsupported.length;
  }

  /** The rule files that did not compile or could not be read. */
  unsupported(): Array<{ path: string; reason: string }> {
    return [...this.rules.skipped, ...this.compileReport.unsupported.map((u) => ({ path: this.rules.sources[u.index]!.label, reason: u.reason }))];
  }

  /** Whether files are out to the workers or waiting for one (the walk then lets their answers in sooner). */
  get busy(): boolean {
    return this.queue.length > 0 || this.slots.some((s) => s.busy !== null);
  }

  /**
   * Applies the rules to one file, read through `src` (an evidence ByteSource, which must stay open
   * until the promise settles) when a worker is free; null when the rules are no longer applied
   * (LIMITS.yaraMaxTimeouts). `relPath` is the file's path in its root.
   */
  scan(src: ByteSource, relPath: string, name: string, os: OsKind): Promise<YaraOutcome> | null {
    if (this.stats.stopped || this.closed) return null;
    if (src.size > this.limits.maxFileBytes) {
      this.stats.tooLarge++;
      return Promise.resolve({ k: 'too-large' });
    }
    return new Promise((resolve) => {
      this.queue.push({ src, globals: globalsFor(relPath, name, os), resolve });
      this.dispatch();
    });
  }

  /** Sends waiting files to free workers (a worker due for replacement is replaced first). */
  private dispatch(): void {
    for (const slot of [...this.slots]) {
      if (this.queue.length === 0) return;
      if (slot.busy) continue;
      const free = slot.scans >= LIMITS.yaraFilesPerWorker ? this.replace(slot) : slot;
      // A file that cannot be read is answered at once, and the worker takes the next.
      while (free && this.queue.length > 0 && !this.send(free, this.queue.shift()!));
    }
  }

  /** Sends a file to a free worker; false when it could not be read (it is answered with the error). */
  private send(slot: Slot, file: Pending): boolean {
    let bytes: Uint8Array;
    if (file.resume) bytes = file.resume.bytes;
    else {
      try {
        bytes = readWhole(file.src);
      } catch (err) {
        this.stats.errors++;
        file.resolve({ k: 'error', message: `YARA: file not read: ${(err as Error).message}` });
        return false;
      }
      this.stats.filesScanned++;
    }
    const id = this.nextId++;
    const timer = setTimeout(() => this.timedOut(slot), this.limits.timeoutMs);
    slot.busy = { id, file, timer, member: null, found: [] };
    const request: YaraRequest = {
      id,
      bytes,
      globals: file.globals,
      members: this.limits.members,
      ...(file.resume ? { from: file.resume.from } : {}),
      budget: Math.max(1, LIMITS.yaraFilesPerWorker - slot.scans),
    };
    slot.worker.postMessage(request, [bytes.buffer as ArrayBuffer]);
    return true;
  }

  private answered(slot: Slot, response: YaraResponse): void {
    const busy = slot.busy;
    if (!busy || busy.id !== response.id) return;
    clearTimeout(busy.timer);
    if ('tick' in response) {
      // A member starts: the time limit is each scan's.
      busy.member = response.tick;
      for (const m of response.found) if (busy.found.length < RULES_PER_FILE) busy.found.push(m);
      busy.timer = setTimeout(() => this.timedOut(slot), this.limits.timeoutMs);
      return;
    }
    slot.busy = null;
    const answer = response.reply;
    if (!answer.ok) {
      this.stats.errors++;
      busy.file.resolve({ k: 'error', message: `YARA: ${answer.error}` });
      this.dispatch();
      return;
    }
    slot.scans += answer.scans;
    const before = busy.file.resume;
    const matches = before ? [...before.matches, ...answer.matches].slice(0, RULES_PER_FILE) : answer.matches;
    const cut = answer.cut || (before?.cut ?? false) || (before ? before.matches.length + answer.matches.length > RULES_PER_FILE : false);
    const members = before && answer.members ? addTally(before.members, answer.members) : answer.members;
    if (answer.resume && members) {
      // The worker's scans ran out inside an archive: the rest goes first to the next worker (a new one: scans are spent).
      this.queue.unshift({ ...busy.file, resume: { bytes: answer.resume.bytes, from: answer.resume.from, matches, cut, members } });
    } else {
      if (members) this.count(members);
      busy.file.resolve(matches.length === 0 ? { k: 'clean', ...(members ? { members } : {}) } : this.matched(matches, cut, members));
    }
    this.dispatch();
  }

  /** Matches as the hits and details a file's finding takes. */
  private matched(matches: readonly WireMatch[], cut: boolean, members?: MemberTally): YaraMatched {
    this.stats.filesMatched++;
    const hits: Hit[] = [];
    const details: YaraDetail[] = [];
    for (const m of matches) {
      const file = this.rules.sources[m.source]?.label ?? '?';
      hits.push(yaraHit(m, file));
      details.push(yaraDetail(m, file));
    }
    return { k: 'matched', hits, details, ...(cut ? { cut: true as const } : {}), ...(members ? { members } : {}) };
  }

  /** An archive's members, added to meta.yara's counts once its last worker answered. */
  private count(t: MemberTally): void {
    const m = this.memberStats;
    if (t.package && t.scanned + t.encrypted + t.method + t.tooLarge + t.damaged + t.budget === 0 && t.beyond === 0) {
      m.packages++;
      return;
    }
    m.archives++;
    m.scanned += t.scanned;
    m.matched += t.matched;
    m.encrypted += t.encrypted;
    m.method += t.method;
    m.tooLarge += t.tooLarge;
    m.damaged += t.damaged;
    m.budget += t.budget;
    m.beyond += t.beyond;
  }

  /** A file past the time limit: its worker ended and replaced (YARA-X's own timeout does not run in WebAssembly). */
  private timedOut(slot: Slot): void {
    const busy = slot.busy;
    if (!busy) return;
    slot.busy = null;
    this.stats.timedOut++;
    if (this.stats.timedOut >= LIMITS.yaraMaxTimeouts) this.stats.stopped = true;
    const stopping = this.stats.stopped ? `; YARA stopped for the rest of the scan after ${this.stats.timedOut} files timed out` : '';
    // What the archive itself and the members before this one matched (this worker's ticks, and a worker before it) is kept.
    const kept = [...(busy.file.resume?.matches ?? []), ...busy.found].slice(0, RULES_PER_FILE);
    const where = busy.member === null
      ? "(the file's matches are unknown)"
      : `on its member ${JSON.stringify(busy.member.slice(0, 200))} (${kept.length === 1 ? 'the 1 match before it is kept; ' : kept.length > 1 ? `the ${kept.length} matches before it are kept; ` : ''}the matches of that member and the ones after it are unknown)`;
    const message = `YARA: the rules did not finish within ${this.limits.timeoutMs / 1000} s ${where}${stopping}`;
    busy.file.resolve({ k: 'timed-out', message, ...(kept.length > 0 ? { matched: this.matched(kept, false) } : {}) });
    if (this.stats.stopped) {
      this.close(`YARA: not applied: the rules were stopped after ${this.stats.timedOut} files timed out`);
      return;
    }
    if (this.replace(slot)) this.dispatch();
  }

  /** A worker that failed or ended on its own: the file it held gets an error entry. */
  private lost(slot: Slot, why: string): void {
    const at = this.slots.indexOf(slot);
    if (at < 0 || this.closed) return;
    const busy = slot.busy;
    slot.busy = null;
    if (busy) {
      clearTimeout(busy.timer);
      this.stats.errors++;
      busy.file.resolve({ k: 'error', message: `YARA: ${why}` });
    }
    if (this.replace(slot)) this.dispatch();
  }

  /**
   * Ends a worker and starts another in its place (the rules compiled again, blocking): the new
   * one. Null when it could not compile: the slot is dropped, and with the last one the rules stop.
   */
  private replace(slot: Slot): Slot | null {
    const at = this.slots.indexOf(slot);
    if (at < 0) return null;
    this.slots.splice(at, 1);
    slot.worker.removeAllListeners();
    slot.worker.on('error', () => undefined);
    void slot.worker.terminate().catch(() => undefined);
    const next = this.startWorker();
    if (!next.slot) {
      if (this.slots.length === 0) this.stopWith(`YARA: the rules could not be compiled again: ${next.report.error ?? ''}`);
      return null;
    }
    this.slots.splice(at, 0, next.slot);
    return next.slot;
  }

  /** No worker left: the waiting files get an error entry, and the rules are applied no more. */
  private stopWith(message: string): void {
    this.stats.stopped = true;
    for (const file of this.queue.splice(0)) {
      this.stats.errors++;
      file.resolve({ k: 'error', message });
    }
  }

  summary(): YaraMeta {
    return {
      files: this.rules.files,
      unsupported: this.unsupported(),
      maxFileBytes: this.limits.maxFileBytes,
      timeoutMs: this.limits.timeoutMs,
      ...this.stats,
      ...(this.limits.members ? { maxMembers: this.limits.members.maxMembers, packagesOpened: this.limits.members.packages, members: { ...this.memberStats } } : { maxMembers: 0 }),
    };
  }

  /** Ends the workers; files still out or waiting are answered with `why` (an error entry each). */
  close(why = 'YARA: the scan ended before the rules answered'): void {
    this.closed = true;
    for (const slot of this.slots.splice(0)) {
      if (slot.busy) {
        clearTimeout(slot.busy.timer);
        slot.busy.file.resolve({ k: 'error', message: why });
      }
      slot.worker.removeAllListeners();
      slot.worker.on('error', () => undefined);
      void slot.worker.terminate().catch(() => undefined);
    }
    for (const file of this.queue.splice(0)) file.resolve({ k: 'error', message: why });
  }
}

/** A file's bytes in a buffer of its own (transferred to the worker): what it holds now, up to its size at open (a file that shrank gives fewer). */
function readWhole(src: ByteSource): Buffer {
  const size = src.size;
  const out = Buffer.allocUnsafeSlow(size);
  let at = 0;
  while (at < size) {
    const want = Math.min(size - at, LIMITS.maxReadBytes);
    let got: number;
    if (src.readInto) got = src.readInto(out.subarray(at, at + want), at);
    else {
      const chunk = src.read(at, want);
      chunk.copy(out, at);
      got = chunk.length;
    }
    if (got <= 0) break;
    at += got;
  }
  return at === size ? out : out.subarray(0, at);
}
