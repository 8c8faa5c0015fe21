/**
 * Isolated parsing: the artifacts whose parsers do heavy work (hives, INFO2, tar, histories,
 * anything of several MiB) are inspected in a worker thread with a heap limit and a time budget.
 *
 * Why a worker (issue 18 items 12 and 13): a try/catch covers a parser that throws, but a V8 heap
 * out-of-memory kills the whole process (exit 134) and a long synchronous parse blocks the event
 * loop, so Ctrl-C waits for it. In a worker with `resourceLimits`, running out of heap ends that
 * worker only (the artifact gets an error entry and the scan goes on); a parse over the time budget
 * is stopped with `terminate()`; and while the main thread awaits the worker, its event loop turns,
 * so a signal is handled at once. Small ordinary files stay on the main thread: a hand-off costs
 * more than inspecting them.
 *
 * The worker is the compiled `isolate-worker.js` next to this file; when it is absent (tests
 * importing the TypeScript sources), files are inspected in-process as before.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { shellFromPath } from '../artifacts/history/parse.js';
import { REGF } from '../fingerprint/layout.js';
import type { DirEntryInfo, OsKind } from '../model/evidence.js';
import type { Hotspot } from '../hotspots/catalog.js';
import type { FileTimes } from '../model/finding.js';
import type { Candidate } from '../rules/types.js';
import { hasBytesAt } from '../util/bytes.js';
import { LIMITS } from '../util/limits.js';
import { heldOnceOnline } from '../util/young-generation.js';
import { newWorker } from '../util/new-worker.js';
import type { SystemFacts } from '../model/system.js';
import type { EvtxLogNote } from '../artifacts/evtx/record.js';

export interface IsolatedRequest {
  id: number;
  fd: number;
  size: number;
  relPath: string;
  name: string;
  head: Uint8Array;
  times: FileTimes;
  hotspot: Hotspot | null;
  os: OsKind;
  rootAbs: string;
  /** The root's device and --cross-mounts: the worker's pairing lister checks paths as the main thread's does. */
  rootDev: number;
  crossMounts: boolean;
  /** Directory listing for pairing parsers, sent once per directory (the worker keeps the last). */
  siblingsKey: string;
  siblings?: DirEntryInfo[];
  codepage?: string;
  /** Whether parsers may open the file's siblings (a hive's transaction logs). */
  openSiblings: boolean;
  /** Parsers the file is not given: the NTFS trace stage reads it (pipeline/scan.ts RootKind.skipParsers). */
  skipParsers?: string[];
}

/** What the scan keeps of an inspection. */
export interface IsolatedResult {
  warnings: readonly string[];
  sidNames: Readonly<Record<string, string>>;
  /** What a SYSTEM or SOFTWARE hive says of the machine (inspect.ts Inspection.system). */
  system?: SystemFacts;
  /** An event log's channel and unreadable slack (inspect.ts Inspection.evtxLog). */
  evtxLog?: EvtxLogNote;
  fileCandidate: Candidate;
  innerCandidates: readonly Candidate[];
  classification: string;
}

export type IsolatedReply = { id: number; ok: true; result: IsolatedResult } | { id: number; ok: false; error: string };

/** Why an isolated inspection produced nothing: recorded as the artifact's error entry. */
export class IsolatedParseError extends Error {
  constructor(
    readonly code: 'ENOMEM' | 'ETIMEDOUT' | 'EWORKER',
    message: string,
  ) {
    super(message);
  }
}

const TAR_MAGIC_AT = 257;
const USTAR = Buffer.from('ustar', 'latin1');

/**
 * Files whose parse may be long or large: registry hives (any size: a 40 KB hive can alias one
 * 64 MiB value thousands of times), INFO2, tar (pax headers), shell histories, and every file of
 * LIMITS.isolateFromBytes or more. Not 7z or ZIP: they are common (a hand-off costs about a
 * millisecond, ten times their inspection) and their parsers bound entries by the header's bytes.
 */
export function needsIsolation(name: string, size: number, head: Buffer): boolean {
  if (size >= LIMITS.isolateFromBytes) return true;
  if (hasBytesAt(head, REGF.magic)) return true;
  if (hasBytesAt(head, USTAR, TAR_MAGIC_AT)) return true;
  return /^info2$/i.test(name) || shellFromPath(name) !== null;
}

const WORKER_URL = new URL('./isolate-worker.js', import.meta.url);
/**
 * The worker's young generation, in MB: the worker lives for the whole scan and the semi-spaces it
 * grows stay resident; 32 MB cost about 60 MB of the 100k tree's peak RSS against 8 MB
 * (docs/performance.md "Memory per finding").
 */
const ISOLATED_YOUNG_MB = 8;

export interface IsolationLimits {
  heapMb: number;
  parseMs: number;
}

export class Isolator {
  private worker: Worker | null = null;
  private readonly limits: IsolationLimits;

  constructor(limits: Partial<IsolationLimits> = {}) {
    this.limits = { heapMb: limits.heapMb ?? LIMITS.isolatedHeapMb, parseMs: limits.parseMs ?? LIMITS.isolatedParseMs };
  }

  private sentSiblings = '';
  private nextId = 1;

  /** False when the compiled worker is not there (sources run by the test runner). */
  static available(): boolean {
    return existsSync(fileURLToPath(WORKER_URL));
  }

  /** Requests waiting for the worker to finish the one it has: one file at a time, so each gets the whole time budget. */
  private readonly waiting: Array<{ post: () => void; reject: (err: Error) => void }> = [];
  private busy = false;

  /** Until a worker just started is online: the walk waits for it before it goes on (util/young-generation.ts heldOnceOnline). */
  starting: Promise<void> | null = null;

  /** True while the worker has a file or files wait for it (the walk then lets its answers in sooner). */
  get working(): boolean {
    return this.busy;
  }

  /**
   * Inspects one file in the worker; rejects with IsolatedParseError on out-of-memory, timeout or a
   * dead worker. Files asked for while the worker has one wait their turn (the caller goes on
   * meanwhile: src/pipeline/in-order.ts); the file's descriptor must stay open until this settles.
   */
  inspect(req: Omit<IsolatedRequest, 'id' | 'siblings'>, siblings: DirEntryInfo[]): Promise<IsolatedResult> {
    return new Promise<IsolatedResult>((resolve, reject) => {
      const post = (): void => this.post(req, siblings, resolve, reject);
      if (this.busy) this.waiting.push({ post, reject });
      else post();
    });
  }

  private post(req: Omit<IsolatedRequest, 'id' | 'siblings'>, siblings: DirEntryInfo[], resolve: (r: IsolatedResult) => void, reject: (err: Error) => void): void {
    this.busy = true;
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const message: IsolatedRequest = { ...req, id };
    if (this.sentSiblings !== req.siblingsKey) {
      message.siblings = siblings;
      this.sentSiblings = req.siblingsKey;
    }
    const done = (): void => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      worker.unref();
    };
    // The next file goes to the worker (a fresh one after a failure) before this one's caller hears.
    const next = (): void => {
      this.busy = false;
      this.waiting.shift()?.post();
    };
    const fail = (err: IsolatedParseError): void => {
      done();
      this.discard(worker);
      next();
      reject(err);
    };
    const onMessage = (reply: IsolatedReply): void => {
      if (reply.id !== id) return;
      done();
      next();
      if (reply.ok) resolve(reply.result);
      else reject(new IsolatedParseError('EWORKER', reply.error));
    };
    const onError = (err: Error & { code?: string }): void =>
      fail(
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new IsolatedParseError('ENOMEM', `parsing needed more than ${this.limits.heapMb} MB of memory; not parsed`)
          : new IsolatedParseError('EWORKER', `parser worker failed: ${err.message}`),
      );
    const onExit = (code: number): void => fail(new IsolatedParseError('EWORKER', `parser worker exited (${code})`));
    const timer = setTimeout(() => fail(new IsolatedParseError('ETIMEDOUT', `parsing took longer than ${this.limits.parseMs / 1000} s; stopped, not parsed`)), this.limits.parseMs);
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
    // Referenced while a file is in flight (the scan needs its answer), unreferenced when idle.
    worker.ref();
    worker.postMessage(message);
  }

  async close(): Promise<void> {
    // The scan waits for its files before closing; anything still waiting here was left by a failed scan.
    for (const w of this.waiting.splice(0)) w.reject(new IsolatedParseError('EWORKER', 'the scan ended before this file was parsed'));
    this.busy = false;
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    this.worker = newWorker(WORKER_URL, {
      resourceLimits: { maxOldGenerationSizeMb: this.limits.heapMb, maxYoungGenerationSizeMb: Math.min(ISOLATED_YOUNG_MB, this.limits.heapMb) },
      stdout: false,
      stderr: false,
    });
    // Errors of a file in flight are handled by inspect(); this keeps a stray one from throwing.
    this.worker.on('error', () => undefined);
    // Configuring its isolate set V8's semi-space growth factor back to 2: held again once it is online,
    // and the walk waits for that (util/young-generation.ts).
    const starting: Promise<void> = heldOnceOnline(this.worker).then(() => {
      if (this.starting === starting) this.starting = null;
    });
    this.starting = starting;
    this.worker.unref();
    this.sentSiblings = '';
    return this.worker;
  }

  /** A worker that ran out of memory or time is ended; the next file starts a fresh one. */
  private discard(worker: Worker): void {
    if (this.worker === worker) this.worker = null;
    this.sentSiblings = '';
    void worker.terminate().catch(() => undefined);
  }
}
