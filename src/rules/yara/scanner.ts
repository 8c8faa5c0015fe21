/**
 * YARA rules over the scan's files (docs/yara.md): the scan's thread reads each file through
 * src/evidence/ into shared memory and blocks until the YARA worker (yara-worker.ts) answers, at most
 * the time limit; a worker past it is ended and a new one compiles the rules again. Synchronous, so
 * that the walk stays synchronous for a file settled from its head (pipeline/inspect.ts).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { OsKind } from '../../model/evidence.js';
import type { YaraMeta, YaraRuleFile } from '../../model/report.js';
import type { ByteSource } from '../../util/byte-source.js';
import { LIMITS } from '../../util/limits.js';
import { newWorker } from '../../util/new-worker.js';
import type { Hit } from '../types.js';
import { yaraDetail, yaraHit, type YaraDetail } from './hits.js';
import { REPLY_BYTES, REQUEST_BYTES, SLOT, STATE, type CompileReport, type WireReply, type YaraGlobals, type YaraSource, type YaraWorkerData } from './protocol.js';

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
}

/** What the rules said of one file. */
export type YaraOutcome =
  /** `cut`: more rules matched than a reply holds (the first are reported). */
  | { k: 'matched'; hits: Hit[]; details: YaraDetail[]; cut?: true }
  | { k: 'clean' }
  | { k: 'too-large' }
  | { k: 'timed-out'; message: string }
  | { k: 'error'; message: string };

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

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class YaraScanner {
  private readonly control = new SharedArrayBuffer(16);
  private readonly ctrl = new Int32Array(this.control);
  private readonly data: SharedArrayBuffer;
  private readonly dataBytes: Buffer;
  private readonly reply = new SharedArrayBuffer(REPLY_BYTES);
  private readonly request = new SharedArrayBuffer(REQUEST_BYTES);
  private worker: Worker | null = null;
  /** Files the current worker has scanned (it is replaced after LIMITS.yaraFilesPerWorker). */
  private workerScans = 0;
  private readonly stats = { filesScanned: 0, filesMatched: 0, tooLarge: 0, timedOut: 0, errors: 0, stopped: false };
  readonly compileReport: CompileReport;

  /** Whether the compiled worker exists (not under ts-jest, which runs src/ without dist/: tests pass dist's URL). */
  static available(url: URL = WORKER_URL): boolean {
    return existsSync(fileURLToPath(url));
  }

  /** Starts the worker and compiles the rules; throws YaraCompileError when no rule file compiles. */
  constructor(
    private readonly rules: YaraRuleSet,
    readonly limits: YaraLimits,
    private readonly workerUrl: URL = WORKER_URL,
  ) {
    if (!YaraScanner.available(workerUrl)) throw new YaraUnavailableError('YARA is not available in this build (its worker is missing)');
    this.data = new SharedArrayBuffer(Math.max(1, limits.maxFileBytes));
    this.dataBytes = Buffer.from(this.data);
    this.compileReport = this.startWorker();
    if (!this.compileReport.ok) {
      this.close();
      throw new YaraCompileError(this.compileReport.error ?? 'the rules did not compile', this.unsupported());
    }
  }

  /** Starts a worker and waits (blocked) until it has compiled the rules: its report. */
  private startWorker(): CompileReport {
    Atomics.store(this.ctrl, SLOT.state, STATE.idle);
    const workerData: YaraWorkerData = { control: this.control, data: this.data, reply: this.reply, request: this.request, sources: this.rules.sources, maxMatchesPerPattern: LIMITS.yaraMaxMatchesPerPattern };
    const worker = newWorker(this.workerUrl, { workerData, stdout: false, stderr: false, trackUnmanagedFds: false, resourceLimits: { maxOldGenerationSizeMb: LIMITS.yaraWorkerHeapMb } });
    worker.unref();
    // Its errors are said through the shared state (this thread is blocked when they happen); an exit is seen as no answer.
    worker.on('error', () => undefined);
    this.worker = worker;
    this.workerScans = 0;
    if (Atomics.wait(this.ctrl, SLOT.state, STATE.idle, LIMITS.yaraCompileMs) === 'timed-out') {
      this.endWorker();
      return { ok: false, unsupported: [], warnings: 0, error: `the YARA worker did not compile the rules within ${LIMITS.yaraCompileMs / 1000} s` };
    }
    const report = JSON.parse(this.replyText()) as CompileReport;
    if (Atomics.load(this.ctrl, SLOT.state) !== STATE.ready) {
      this.endWorker();
      return { ...report, ok: false };
    }
    Atomics.store(this.ctrl, SLOT.state, STATE.idle);
    return report;
  }

  private replyText(): string {
    return decoder.decode(new Uint8Array(this.reply, 0, Atomics.load(this.ctrl, SLOT.replyLength)).slice());
  }

  private endWorker(): void {
    const worker = this.worker;
    this.worker = null;
    if (worker) void worker.terminate().catch(() => undefined);
  }

  /** The rule files that did not compile or could not be read. */
  unsupported(): Array<{ path: string; reason: string }> {
    return [...this.rules.skipped, ...this.compileReport.unsupported.map((u) => ({ path: this.rules.sources[u.index]!.label, reason: u.reason }))];
  }

  /**
   * Applies the rules to one file: its bytes read through `src` (an evidence ByteSource) up to its
   * size, which must be at most limits.maxFileBytes. `relPath` is the file's path in its root.
   */
  scan(src: ByteSource, relPath: string, name: string, os: OsKind): YaraOutcome | null {
    if (this.stats.stopped) return null;
    const size = src.size;
    if (size > this.limits.maxFileBytes) {
      this.stats.tooLarge++;
      return { k: 'too-large' };
    }
    let length: number;
    try {
      length = this.readInto(src, size);
    } catch (err) {
      this.stats.errors++;
      return { k: 'error', message: `YARA: file not read: ${(err as Error).message}` };
    }
    // YARA-X's WebAssembly build keeps about 70 KB per scan that no collection frees (a new
    // WebAssembly instance and memory per scan): its worker is replaced before that adds up.
    if (this.worker && this.workerScans >= LIMITS.yaraFilesPerWorker) this.close();
    if (!this.worker) {
      const report = this.startWorker();
      if (!report.ok) {
        this.stats.stopped = true;
        return { k: 'error', message: `YARA: the rules could not be compiled again: ${report.error ?? ''}` };
      }
    }
    this.stats.filesScanned++;
    this.workerScans++;
    const globals: YaraGlobals = globalsFor(relPath, name, os);
    const req = encoder.encode(JSON.stringify(globals));
    new Uint8Array(this.request).set(req.subarray(0, REQUEST_BYTES), 0);
    Atomics.store(this.ctrl, SLOT.requestLength, Math.min(req.length, REQUEST_BYTES));
    Atomics.store(this.ctrl, SLOT.dataLength, length);
    Atomics.store(this.ctrl, SLOT.state, STATE.request);
    Atomics.notify(this.ctrl, SLOT.state);
    if (Atomics.wait(this.ctrl, SLOT.state, STATE.request, this.limits.timeoutMs) === 'timed-out' && Atomics.load(this.ctrl, SLOT.state) === STATE.request) {
      this.endWorker();
      this.stats.timedOut++;
      if (this.stats.timedOut >= LIMITS.yaraMaxTimeouts) this.stats.stopped = true;
      const stopping = this.stats.stopped ? `; YARA stopped for the rest of the scan after ${this.stats.timedOut} files timed out` : '';
      return { k: 'timed-out', message: `YARA: the rules did not finish within ${this.limits.timeoutMs / 1000} s (the file's matches are unknown)${stopping}` };
    }
    const answer = JSON.parse(this.replyText()) as WireReply;
    Atomics.store(this.ctrl, SLOT.state, STATE.idle);
    if (!answer.ok) {
      this.stats.errors++;
      return { k: 'error', message: `YARA: ${answer.error}` };
    }
    if (answer.matches.length === 0) return { k: 'clean' };
    this.stats.filesMatched++;
    const hits: Hit[] = [];
    const details: YaraDetail[] = [];
    for (const m of answer.matches) {
      const file = this.rules.sources[m.source]?.label ?? '?';
      hits.push(yaraHit(m, file));
      details.push(yaraDetail(m, file));
    }
    return { k: 'matched', hits, details, ...(answer.cut ? { cut: true as const } : {}) };
  }

  /** The file's bytes into the shared buffer: what it holds now, up to `size` (a file that shrank gives fewer). */
  private readInto(src: ByteSource, size: number): number {
    let at = 0;
    while (at < size) {
      const want = Math.min(size - at, LIMITS.maxReadBytes);
      let got: number;
      if (src.readInto) got = src.readInto(this.dataBytes.subarray(at, at + want), at);
      else {
        const chunk = src.read(at, want);
        chunk.copy(this.dataBytes, at);
        got = chunk.length;
      }
      if (got <= 0) break;
      at += got;
    }
    return at;
  }

  summary(): YaraMeta {
    return { files: this.rules.files, unsupported: this.unsupported(), maxFileBytes: this.limits.maxFileBytes, timeoutMs: this.limits.timeoutMs, ...this.stats };
  }

  close(): void {
    if (this.worker) {
      Atomics.store(this.ctrl, SLOT.state, STATE.close);
      Atomics.notify(this.ctrl, SLOT.state);
    }
    this.endWorker();
  }
}

/** THOR's and Loki's externals: the file's name, its path (Windows separators on a Windows root), its extension lower-cased with its dot. */
export function globalsFor(relPath: string, name: string, os: OsKind): YaraGlobals {
  const cut = (s: string): string => s.slice(0, 8192);
  const dot = name.lastIndexOf('.');
  return {
    filename: cut(name),
    filepath: cut(os === 'windows' ? `\\${relPath.replace(/\//g, '\\')}` : `/${relPath}`),
    extension: dot > 0 ? cut(name.slice(dot).toLowerCase()) : '',
  };
}
