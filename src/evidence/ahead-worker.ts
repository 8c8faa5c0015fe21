/**
 * The worker threads that work ahead of the walk on this thread's evidence (read-ahead.ts: the next
 * files' opens and heads; image/container/block-fetch.ts: an EWF image's next chunks): how they are
 * started, in one place.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { heldOnceOnline } from '../util/young-generation.js';

/** Whether such a worker can run here: shared memory, and its compiled module (not under ts-jest). */
export function aheadWorkerAvailable(url: URL): boolean {
  return typeof SharedArrayBuffer === 'function' && existsSync(fileURLToPath(url));
}

/**
 * Starts the worker at `url` with `workerData`: its output dropped, a small heap, unreferenced (it
 * never holds the process open), `gone` called when it fails or ends. The descriptors it is given
 * or reads are this thread's: not closed when it ends. `online` settles once it is; the walk waits
 * for that before it allocates on (util/young-generation.ts).
 */
export function startAheadWorker(url: URL, workerData: unknown, gone: () => void): { worker: Worker; online: Promise<void> } {
  const worker = new Worker(url, { workerData, trackUnmanagedFds: false, stdout: false, stderr: false, resourceLimits: { maxOldGenerationSizeMb: 32 } });
  worker.on('error', gone);
  worker.on('exit', gone);
  worker.unref();
  return { worker, online: heldOnceOnline(worker) };
}
