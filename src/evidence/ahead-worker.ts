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

/** What such a worker is given: its own shared memory, and the flag it sets once it runs. */
export interface AheadWorkerData<T> {
  shared: T;
  started: SharedArrayBuffer;
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
 * Starts the worker at `url` with `shared`: its output dropped, a small heap, unreferenced (it
 * never holds the process open), `gone` called when it fails or ends. The descriptors it is given
 * or reads are this thread's: not closed when it ends. Returns once the worker runs, the young
 * generation held again: V8 set its growth factor back to 2 when it made the worker's isolate, and
 * this thread, blocked meanwhile, collected nothing with it (while awaiting 'online' instead, a
 * collection grew the young generation to 32 MB in about half of the 100k E01 scans:
 * util/young-generation.ts). `online` settles once the worker is online.
 */
export function startAheadWorker(url: URL, shared: unknown, gone: () => void): { worker: Worker; online: Promise<void> } {
  const started = new SharedArrayBuffer(4);
  const workerData: AheadWorkerData<unknown> = { shared, started };
  const worker = newWorker(url, { workerData, trackUnmanagedFds: false, stdout: false, stderr: false, resourceLimits: { maxOldGenerationSizeMb: 32 } });
  worker.on('error', gone);
  worker.on('exit', gone);
  worker.unref();
  Atomics.wait(new Int32Array(started), 0, 0, START_WAIT_MS);
  keepYoungGenerationHeld();
  return { worker, online: heldOnceOnline(worker) };
}
