/**
 * The worker threads that work ahead of the walk on this thread's evidence (read-ahead.ts: the next
 * files' opens and heads; image/container/block-fetch.ts: an EWF image's next chunks): how they are
 * started, in one place.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { heldOnceOnline, keepYoungGenerationHeld } from '../util/young-generation.js';
import { newWorker } from '../util/new-worker.js';

/**
 * What such a worker is given: its own shared memory (null for a worker on standby, which gets it in
 * its first message, an AheadSetup: `AheadWorkerData<T | null>`), and the flag it sets once it runs.
 */
export interface AheadWorkerData<T> {
  shared: T;
  started: SharedArrayBuffer;
}

/** The first message to a worker on standby: the shared memory it works with. */
export interface AheadSetup<T> {
  aheadShared: T;
}

/**
 * The longest the starting thread is blocked waiting for its worker to run (it takes 40-90 ms); past
 * it (a worker that fails to start never runs), it goes on and re-holds on 'online' alone.
 */
const START_WAIT_MS = 500;

/** Whether such a worker can run here: shared memory, and its compiled module (not under ts-jest). */
export function aheadWorkerAvailable(url: URL): boolean {
  return typeof SharedArrayBuffer === 'function' && existsSync(fileURLToPath(url));
}

/** A worker's first step: says it runs (its isolate is made), for the thread blocked in startAheadWorker. */
export function announceStarted(started: SharedArrayBuffer): void {
  const flag = new Int32Array(started);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

/**
 * Starts the worker at `url` with `shared` (or takes the one on standby for it, and gives it
 * `shared`): `gone` called when it fails or ends. The descriptors it is given
 * or reads are this thread's: not closed when it ends. Returns once the worker runs, the young
 * generation held again: V8 set its growth factor back to 2 when it made the worker's isolate, and
 * this thread, blocked meanwhile, collected nothing with it (while awaiting 'online' instead, a
 * collection grew the young generation to 32 MB in about half of the 100k E01 scans:
 * util/young-generation.ts). `online` settles once the worker is online.
 */
export function startAheadWorker(url: URL, shared: unknown, gone: () => void): { worker: Worker; online: Promise<void> } {
  const standby = takeStandby(url);
  if (standby) {
    standby.on('error', gone);
    standby.on('exit', gone);
    const setup: AheadSetup<unknown> = { aheadShared: shared };
    standby.postMessage(setup);
    // It ran before the young generation was held (standbysStarted): nothing to wait for.
    return { worker: standby, online: Promise.resolve() };
  }
  const started = new SharedArrayBuffer(4);
  const worker = newAheadWorker(url, { shared, started });
  worker.on('error', gone);
  worker.on('exit', gone);
  Atomics.wait(new Int32Array(started), 0, 0, START_WAIT_MS);
  keepYoungGenerationHeld();
  return { worker, online: heldOnceOnline(worker) };
}

/** The worker at `url`: its output dropped, a small heap, unreferenced (it never holds the process open). */
function newAheadWorker(url: URL, workerData: AheadWorkerData<unknown>): Worker {
  const worker = newWorker(url, { workerData, trackUnmanagedFds: false, stdout: false, stderr: false, resourceLimits: { maxOldGenerationSizeMb: 32 } });
  worker.unref();
  return worker;
}

/**
 * Workers on standby: started before the CLI's bundle is loaded (bin/stagehunt.js, for `scan`), so
 * that their start (50-70 ms idle, 100-160 ms once the scan keeps both cores busy) overlaps the
 * load instead of blocking the walk (docs/performance.md "Session 33"). Kept on `globalThis`: the
 * bundle that starts them and the CLI's bundle that takes them are two copies of this module.
 */
interface Standby {
  worker: Worker;
  started: Int32Array;
  gone: boolean;
}
const STANDBY_KEY = Symbol.for('stagehunt.aheadWorkerStandby');

function standbys(): Map<string, Standby> {
  const holder = globalThis as { [STANDBY_KEY]?: Map<string, Standby> };
  return (holder[STANDBY_KEY] ??= new Map());
}

/** Starts the ahead worker at `url` without its shared memory, unless one is on standby already (the caller checks that it can run here). */
export function startStandby(url: URL): void {
  if (standbys().has(url.href)) return;
  const started = new SharedArrayBuffer(4);
  const standby: Standby = { worker: newAheadWorker(url, { shared: null, started }), started: new Int32Array(started), gone: false };
  const gone = (): void => void (standby.gone = true);
  standby.worker.on('error', gone);
  standby.worker.on('exit', gone);
  standbys().set(url.href, standby);
}

/**
 * Blocks until every worker on standby runs (V8 has made its isolate, and with it set the young
 * generation's growth back: util/young-generation.ts), each up to START_WAIT_MS (one that has not
 * started by then is ended). Called by the CLI before it holds the young generation.
 */
export function standbysStarted(): void {
  for (const [href, standby] of standbys()) {
    if (Atomics.wait(standby.started, 0, 0, START_WAIT_MS) === 'timed-out') dropStandby(href, standby);
  }
}

/** Whether a worker for `url` is on standby and has not ended (it may still be starting). */
export function onStandby(url: URL): boolean {
  const standby = standbys().get(url.href);
  return standby !== undefined && !standby.gone;
}

/** The worker on standby for `url` if it runs, taken (it is no longer on standby). */
function takeStandby(url: URL): Worker | null {
  const standby = standbys().get(url.href);
  if (!standby) return null;
  if (standby.gone || Atomics.load(standby.started, 0) !== 1) {
    dropStandby(url.href, standby);
    return null;
  }
  standbys().delete(url.href);
  return standby.worker;
}

/** Ends the workers still on standby (the scan is past the walks that could have taken them). */
export function dropStandbys(): void {
  for (const [href, standby] of standbys()) dropStandby(href, standby);
}

function dropStandby(href: string, standby: Standby): void {
  standbys().delete(href);
  void standby.worker.terminate().catch(() => undefined);
}
