/**
 * The inspection pool (`--jobs N`, issue 17): N - 1 worker threads inspect ordinary walked files
 * while the main thread walks, opens and applies results, and inspects a batch itself whenever the
 * workers already have their share (OrderedBatches). docs/performance.md "Worker pool".
 *
 * What crosses, and why it is cheap: the walker stays on the main thread and the main thread opens
 * each file through the root's DirectoryFs (every safeguard stays there); a worker gets the open
 * descriptor (descriptors are shared by the threads of a process), reads the head itself and runs
 * the same `inspectFile` (pool-inspect.ts, which the main thread runs for its own batches). Files travel in batches of up to `batchFiles` (a directory's files, or
 * several small directories' files), a directory's sibling listing once per worker, and the
 * per-root facts (root path, OS, hotspots) once per scan; a reply carries only what the scan keeps
 * of a file (most files: a classification). Replies are applied strictly in walk order
 * (`OrderedBatches`), so the report is the one `--jobs 1` gives.
 *
 * Files that need the isolated worker (isolate.ts: hives, tar, histories, large files) and event
 * logs when Sigma rules are loaded are sent back as `defer`: the main thread takes them the usual way.
 * A worker that dies (out of heap, crash) fails its batches in flight; the scan inspects those
 * files again one by one in the isolated worker, so only the culprit gets an error entry.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { FsTimes } from '../evidence/fs.js';
import type { Hotspot } from '../hotspots/catalog.js';
import type { DirEntryInfo, OsKind } from '../model/evidence.js';
import type { Candidate } from '../rules/types.js';
import { yieldToEventLoop } from '../util/event-loop.js';
import { LIMITS } from '../util/limits.js';
import { heldOnceOnline } from '../util/young-generation.js';
import { newWorker } from '../util/new-worker.js';
import type { SystemFacts } from '../model/system.js';
import type { EvtxLogNote } from '../artifacts/evtx/record.js';

/** Per-root facts, sent once to every worker. */
export interface PoolRoot {
  rootAbs: string;
  rootDev: number;
  crossMounts: boolean;
  os: OsKind;
  codepage?: string;
  /** Sigma rules are loaded: an event log is deferred to the main thread (compiled matchers cannot cross). */
  sigmaHere: boolean;
  /** The root's hotspots; a file names its own by index. */
  hotspots: Hotspot[];
  /** Files the NTFS trace stage reads (a collection's `C/$MFT`...): deferred to the main thread, which leaves their parsers out. */
  leftToTraces: string[];
}

export interface PoolFile {
  fd: number;
  size: number;
  relPath: string;
  name: string;
  times: FsTimes;
  /** Index into PoolRoot.hotspots, -1 for none. */
  hotspot: number;
}

/** One directory's files (or a part of them) in a batch. */
interface PoolGroup {
  siblingsKey: string;
  /** Sent only when the receiving worker does not hold this listing yet. */
  siblings?: DirEntryInfo[];
  files: PoolFile[];
}

export type PoolMessage =
  | { type: 'root'; root: number; facts: PoolRoot }
  | { type: 'batch'; id: number; root: number; groups: PoolGroup[] };

/**
 * What the scan keeps of one file. `done`: inspected (`head` bytes read; the rest only when there
 * is something to keep). `defer`: not inspected, the main thread takes it. `error`: reading or
 * inspecting failed (`head` set when the head was read, as the main thread counts it).
 */
export type PoolFileResult =
  | { k: 'done'; head: number; cls: string; warnings?: readonly string[]; sidNames?: Readonly<Record<string, string>>; system?: SystemFacts; evtxLog?: EvtxLogNote; file?: Candidate; inner?: Candidate[] }
  | { k: 'defer' }
  | { k: 'error'; head?: number; code: string; message: string };

export type PoolReply = { id: number; groups: PoolFileResult[][] };

/** A worker died with this batch in flight (out of heap, crash): its files were not inspected. */
export class PoolWorkerError extends Error {}

const WORKER_URL = new URL('./pool-worker.js', import.meta.url);
/** Workers dying before their first answer, in a row, before the pool gives up (it cannot start them: the scan goes on without). */
const FAILED_STARTS = 3;

interface PoolThread {
  worker: Worker;
  inFlight: Map<number, { resolve(r: PoolFileResult[][]): void; reject(e: Error): void }>;
  /** The sibling listing this worker holds once it has read what was posted to it. */
  siblingsKey: string;
  /** It has answered a batch (a worker that dies before that may not start at all). */
  answered: boolean;
}

export class InspectPool {
  private readonly threads: PoolThread[] = [];
  private readonly roots: PoolRoot[] = [];
  private nextId = 1;
  private closed = false;
  /** Workers that died before answering anything, in a row: at FAILED_STARTS the pool stops starting them. */
  private failedStarts = 0;
  private broken: string | null = null;

  /** False when the compiled worker is not there (sources run by the test runner). */
  static available(): boolean {
    return existsSync(fileURLToPath(WORKER_URL));
  }

  /** Starts `jobs` workers now: each pays its module loading once per scan. */
  constructor(
    jobs: number,
    private readonly heapMb: number = LIMITS.poolHeapMb,
  ) {
    for (let i = 0; i < jobs; i++) this.threads.push(this.start());
  }

  get size(): number {
    return this.threads.length;
  }

  private readonly startingWorkers = new Set<Promise<void>>();

  /** Until the workers just started are online (null: none is starting): the walk waits for it (util/young-generation.ts heldOnceOnline). */
  get starting(): Promise<void> | null {
    return this.startingWorkers.size === 0 ? null : Promise.all(this.startingWorkers).then(() => undefined);
  }

  /** Registers a root's facts with every worker; batches name it by the returned number. */
  addRoot(facts: PoolRoot): number {
    this.roots.push(facts);
    const root = this.roots.length - 1;
    for (const t of this.threads) t.worker.postMessage({ type: 'root', root, facts } satisfies PoolMessage);
    return root;
  }

  /** Inspects a batch on the least busy worker; rejects with PoolWorkerError if that worker dies. */
  inspect(root: number, groups: Array<{ siblingsKey: string; siblings: DirEntryInfo[]; files: PoolFile[] }>): Promise<PoolFileResult[][]> {
    if (this.broken !== null || this.threads.length === 0) return Promise.reject(new PoolWorkerError(this.broken ?? 'the inspection pool was closed'));
    let thread = this.threads[0]!;
    for (const t of this.threads) if (t.inFlight.size < thread.inFlight.size) thread = t;
    const sent: PoolGroup[] = [];
    for (const g of groups) {
      const group: PoolGroup = { siblingsKey: g.siblingsKey, files: g.files };
      if (g.files.length > 0 && thread.siblingsKey !== g.siblingsKey) {
        group.siblings = g.siblings;
        thread.siblingsKey = g.siblingsKey;
      }
      sent.push(group);
    }
    const id = this.nextId++;
    return new Promise<PoolFileResult[][]>((resolve, reject) => {
      // Referenced while it has work (the scan awaits it), unreferenced when idle.
      if (thread.inFlight.size === 0) thread.worker.ref();
      thread.inFlight.set(id, { resolve, reject });
      thread.worker.postMessage({ type: 'batch', id, root, groups: sent } satisfies PoolMessage);
    });
  }

  /** Ends every worker (end of scan; an interrupt ends the process and them with it). */
  async close(): Promise<void> {
    this.closed = true;
    const threads = this.threads.splice(0);
    for (const t of threads) for (const pending of t.inFlight.values()) pending.reject(new PoolWorkerError('the inspection pool was closed'));
    await Promise.all(threads.map((t) => t.worker.terminate().catch(() => undefined)));
  }

  private start(): PoolThread {
    const worker = newWorker(WORKER_URL, {
      resourceLimits: { maxOldGenerationSizeMb: this.heapMb, maxYoungGenerationSizeMb: Math.min(32, this.heapMb) },
      stdout: false,
      stderr: false,
    });
    // Configuring its isolate set V8's semi-space growth factor back to 2: held again once it is online,
    // and the walk waits for that (util/young-generation.ts).
    const online = heldOnceOnline(worker).then(() => {
      this.startingWorkers.delete(online);
    });
    this.startingWorkers.add(online);
    const thread: PoolThread = { worker, inFlight: new Map(), siblingsKey: '', answered: false };
    worker.on('message', (reply: PoolReply) => {
      thread.answered = true;
      this.failedStarts = 0;
      const pending = thread.inFlight.get(reply.id);
      if (!pending) return;
      thread.inFlight.delete(reply.id);
      if (thread.inFlight.size === 0) worker.unref();
      pending.resolve(reply.groups);
    });
    const died = (message: string): void => this.replace(thread, message);
    worker.on('error', (err: Error & { code?: string }) =>
      died(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `inspection worker ran out of its ${this.heapMb} MB heap` : `inspection worker failed: ${err.message}`),
    );
    worker.on('exit', (code) => died(`inspection worker exited (${code})`));
    worker.unref();
    for (const [root, facts] of this.roots.entries()) worker.postMessage({ type: 'root', root, facts } satisfies PoolMessage);
    return thread;
  }

  /** A dead worker fails its batches in flight and is replaced by a fresh one. */
  private replace(thread: PoolThread, message: string): void {
    const at = this.threads.indexOf(thread);
    if (at < 0) return; // already replaced (error, then exit)
    for (const pending of thread.inFlight.values()) pending.reject(new PoolWorkerError(message));
    thread.inFlight.clear();
    void thread.worker.terminate().catch(() => undefined);
    if (!thread.answered && ++this.failedStarts >= FAILED_STARTS) this.broken = `${message}; no more inspection workers are started`;
    if (this.closed || this.broken !== null) this.threads.splice(at, 1);
    else this.threads[at] = this.start();
  }
}

/** Results of one group, or the error that lost them (a worker died). */
export type GroupOutcome = { results: PoolFileResult[] } | { error: PoolWorkerError };

/** A batch's results; `settled` once they (or the error that lost them) are in. */
interface Batch {
  results: Promise<PoolFileResult[][]>;
  settled: boolean;
  /** Inspected by this thread (counted in `localOut`), else by a worker (`batchesOut`). */
  local: boolean;
}

interface Pending {
  batch: Batch;
  index: number;
  /** The last group of a batch: applying it frees the batch's place. */
  endsBatch: boolean;
  keep(outcome: GroupOutcome): Promise<void> | void;
}

/** Inspects a batch on this thread: the groups as gathered, each with its sibling listing. */
export type LocalInspect = (groups: Array<{ siblings: DirEntryInfo[]; files: PoolFile[] }>) => Promise<PoolFileResult[][]>;

/**
 * Feeds one root's directories to the pool and applies their results in walk order: groups are
 * gathered into batches of about `batchFiles` files; at most `maxInFlight` batches are out at once
 * with the workers (each holds its files' descriptors: the apply step closes them). When the
 * workers have their share, this thread inspects the next batch itself (`local`, at most
 * `maxInFlight` such batches waiting to be applied) instead of waiting: it would otherwise sit idle
 * while the walk waits. The oldest batch is applied first, whoever inspected it.
 */
export class OrderedBatches {
  private groups: Array<{ siblingsKey: string; siblings: DirEntryInfo[]; files: PoolFile[] }> = [];
  private groupApplies: Array<Pending['keep']> = [];
  private files = 0;
  private readonly queue: Pending[] = [];
  private batchesOut = 0;
  private localOut = 0;

  constructor(
    private readonly pool: InspectPool,
    private readonly root: number,
    private readonly local: LocalInspect | null = null,
    private readonly batchFiles: number = LIMITS.poolBatchFiles,
    private readonly maxInFlight: number = Math.max(1, pool.size) * LIMITS.poolBatchesPerWorker,
  ) {}

  /** Queues a group (files of one directory, possibly none); `apply` gets its results after every earlier group's. */
  async add(siblingsKey: string, siblings: DirEntryInfo[], files: PoolFile[], apply: Pending['keep']): Promise<void> {
    this.groups.push({ siblingsKey, siblings, files });
    this.groupApplies.push(apply);
    this.files += files.length;
    if (this.files >= this.batchFiles) await this.dispatch();
  }

  /** Sends what is gathered and applies everything still out, in order. */
  async finish(): Promise<void> {
    if (this.groups.length > 0) await this.dispatch();
    while (this.queue.length > 0) await this.applyOldest();
  }

  /** Sends the gathered batch to a worker when one has room, else inspects it here, else waits for the oldest. */
  private async dispatch(): Promise<void> {
    if (this.local) {
      // Replies arrive as events: let them in before deciding who takes the batch.
      await yieldToEventLoop();
      await this.applySettled();
    }
    for (;;) {
      // A pool left without workers (they could not start) leaves every batch to this thread.
      if (this.batchesOut < this.maxInFlight && (this.pool.size > 0 || !this.local)) {
        this.enqueue({ results: this.post(), settled: false, local: false });
        return;
      }
      if (this.local && this.localOut < this.maxInFlight) {
        const groups = this.groups;
        const batch: Batch = { results: this.local(groups), settled: false, local: true };
        this.enqueue(batch);
        await batch.results.catch(() => undefined);
        return;
      }
      await this.applyOldest();
    }
  }

  /** Posts the gathered groups to a worker (a batch without files is answered here). */
  private post(): Promise<PoolFileResult[][]> {
    const groups = this.groups;
    return this.files > 0 ? this.pool.inspect(this.root, groups) : Promise.resolve(groups.map((): PoolFileResult[] => []));
  }

  private enqueue(batch: Batch): void {
    batch.results.then(
      () => (batch.settled = true),
      () => (batch.settled = true), // a lost batch is handled when applied, in order
    );
    if (batch.local) this.localOut++;
    else this.batchesOut++;
    const applies = this.groupApplies;
    for (const [index, apply] of applies.entries()) this.queue.push({ batch, index, keep: apply, endsBatch: index === applies.length - 1 });
    this.groups = [];
    this.groupApplies = [];
    this.files = 0;
  }

  /** Applies the groups at the head of the queue whose batch is already in. */
  private async applySettled(): Promise<void> {
    while (this.queue.length > 0 && this.queue[0]!.batch.settled) await this.applyOldest();
  }

  /** Applies the oldest group, waiting for its batch. */
  private async applyOldest(): Promise<void> {
    const head = this.queue.shift()!;
    let outcome: GroupOutcome;
    try {
      outcome = { results: (await head.batch.results)[head.index] ?? [] };
    } catch (err) {
      outcome = { error: err instanceof PoolWorkerError ? err : new PoolWorkerError((err as Error).message) };
    }
    if (head.endsBatch) {
      if (head.batch.local) this.localOut--;
      else this.batchesOut--;
    }
    await head.keep(outcome);
  }
}
