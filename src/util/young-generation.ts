/**
 * The main thread's young generation held at YOUNG_GENERATION_MB (docs/performance.md "The young
 * generation held at 16 MB").
 *
 * V8 grows a busy isolate's young generation to two 16 MB semi-spaces, and both stay resident: on
 * the findings-heavy 100k tree that is a seventh of the peak RSS, which comes at the end of the
 * scan (scoring, episodes, the writer). Half of it costs about 0.2-0.3 s more of scavenges on a
 * 100,000-file scan and takes 20-30 MB off its peak.
 *
 * V8 reads `--max-semi-space-size` only when an isolate is made, so the CLI cannot set it for its
 * own main thread; it reads `--semi-space-growth-factor` at every growth. So at start-up objects
 * are kept alive until V8 has doubled the young generation up to the target, and the factor is then
 * set to 1: no further growth (growing it later, once a command has run a while, would leave a
 * long synchronous parse with a 2 MB young generation). V8 raises a factor below 2 back to 2
 * whenever it configures a new isolate (each worker thread), so a worker that comes online sets it
 * to 1 again (`keepYoungGenerationHeld`). A collection in between (the worker's isolate made, its
 * 'online' not yet handled) can still grow it, as V8 would have without the hold: the scan waits for
 * its workers to be online before it goes on (`heldOnceOnline`), and the CLI for a read-ahead worker
 * that bin/stagehunt.js started on standby to run before it takes the hold
 * (evidence/ahead-worker.ts `standbysStarted`). The
 * factor is per process, so the workers' young generations do not grow either (their inspections
 * measured no slower). Flags the user gives on the command line or in NODE_OPTIONS win.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import type { Worker } from 'node:worker_threads';
import { setV8Flag } from './v8-flags.js';

/** The longest a thread waits for a worker to come online (it takes about 50 ms): past it, it goes on. */
const WORKER_START_WAIT_MS = 5_000;
/** Both semi-spaces together, MiB. */
export const YOUNG_GENERATION_MB = 16;
/** What start-up may keep alive (8 KB arrays) to make V8 grow the young generation: it grows once more than its capacity has survived. */
const MAX_KEPT_ARRAYS = 16_384;

const USER_FLAG = /--(max|min)[-_]semi[-_]space[-_]size|--semi[-_]space[-_]growth[-_]factor/;

let held = false;

/** Bytes of V8's new space (both semi-spaces) on this thread. */
export function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

/** The largest growth factor from `size` that does not pass `target` (2 at least, V8's default). */
function growthFactorTo(target: number, size: number): number {
  return Math.max(2, Math.floor(target / Math.max(1, size)));
}

/**
 * Grows the young generation to YOUNG_GENERATION_MB (about 15 ms) and holds it there, unless the
 * command line or NODE_OPTIONS names a semi-space flag; false when the user's setting stays. Call
 * once, at start-up: a young generation already larger is only held.
 */
export function holdYoungGeneration(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): boolean {
  if (execArgv.some((a) => USER_FLAG.test(a)) || USER_FLAG.test(nodeOptions)) return false;
  const target = YOUNG_GENERATION_MB * 1024 * 1024;
  let size = newSpaceBytes();
  if (size < target) {
    // Each growth copies its capacity's worth of survivors: so as few growths as land on the target
    // (V8 grew 1 -> 2 -> 16 MB, against 1 -> 2 -> 4 -> 8 -> 16 by doubling: 15 against 55 ms in a new
    // process), the factor set again after each and looked at after every array, none passed over.
    setV8Flag('semi-space-growth-factor', growthFactorTo(target, size));
    // Arrays of 8 KB: fewer objects for the scavenger to copy than small ones.
    const kept: number[][] = [];
    for (let n = 0; n < MAX_KEPT_ARRAYS && size < target; n++) {
      kept.push(new Array<number>(1024).fill(n + 0.5));
      const grown = newSpaceBytes();
      if (grown === size) continue;
      size = grown;
      if (size < target) setV8Flag('semi-space-growth-factor', growthFactorTo(target, size));
    }
  }
  setV8Flag('semi-space-growth-factor', 1);
  held = true;
  return true;
}

/** After a worker thread has come online (V8 has configured its isolate): the main thread's young generation stays held. */
export function keepYoungGenerationHeld(): void {
  if (held) setV8Flag('semi-space-growth-factor', 1);
}

/**
 * Settles once a new worker is online (or has failed to start), the young generation held again.
 * The thread that started it waits for this before it allocates on: a scavenge between the worker's
 * isolate being configured and its 'online' grew the main thread's young generation to 32 MB in
 * about half of the 100k-file scans, and with it the scan's CPU by 2 s (docs/performance.md "The
 * walk without lstat, and the young generation through a worker's start").
 */
export function heldOnceOnline(worker: Worker): Promise<void> {
  return new Promise<void>((resolve) => {
    // The event loop kept alive meanwhile: a worker unreferenced while it has no work would otherwise
    // let the process end with this promise unsettled.
    const alive = setTimeout(() => settle(), WORKER_START_WAIT_MS);
    const settle = (): void => {
      clearTimeout(alive);
      worker.off('online', settle);
      worker.off('error', settle);
      worker.off('exit', settle);
      keepYoungGenerationHeld();
      resolve();
    };
    worker.once('online', settle);
    worker.once('error', settle);
    worker.once('exit', settle);
  });
}
