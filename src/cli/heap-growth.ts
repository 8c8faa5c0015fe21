/**
 * How far V8 lets the old generation grow past what a full collection left alive, for this
 * process (the main thread and the scan's workers: V8 flags are per process).
 *
 * V8's own rule picks a factor between 1.1 and 4 from the speeds it measured at the last full
 * collection, and at a small heap it often picks its largest: on a scan of 1,000,000 ordinary
 * files (15 MB live) the old generation grew from 16 to 53 MB before a full collection, and 9 of
 * 15 runs in a quarter of an hour peaked at 120-152 MB of RSS against 109-116 MB for the others
 * (docs/performance.md "Heap growth from start-up, and EVTX against its references"). So from
 * start-up the factor is 2 (SMALL_HEAP_GROWING_PERCENT), about what V8 picks in the runs without
 * that spike: 111-118 MB in six runs, and as many full collections as under V8's rule, one more at
 * most, on the 100k trees and the E01 image.
 *
 * A scan allocates fast and keeps what it finds (candidates, then findings) until the report is
 * written, so with a large heap V8's own rule picks its largest factor and commits about twice the
 * live old space (docs/performance.md "Memory per finding"). A fixed factor of 1.5 took the
 * findings-heavy 100k tree from about 300 to 260 MB peak RSS. On a small heap that factor only
 * costs: a disk image scan (about 25 MB live, most of it garbage from parsed MFT records) ran three
 * times as many full collections, 15-20 % more CPU (docs/performance.md "Heap growth once the heap
 * is large"). So 1.5 is set once the heap in use reaches LARGE_HEAP_BYTES, above the 45 MB an
 * image scan of 100,000 files reaches. V8 reads the flag at every collection, so setting it mid-run
 * takes effect at the next one; `node --heap-growing-percent=N` (or NODE_OPTIONS) given by the
 * user wins.
 */
import { getHeapStatistics } from 'node:v8';
import { setV8Flag } from '../util/v8-flags.js';

/** The factor from start-up (2): V8's own largest factors let a long scan's old generation grow threefold between collections. */
export const SMALL_HEAP_GROWING_PERCENT = 100;
/** The factor once the heap is large (1.5). */
export const HEAP_GROWING_PERCENT = 50;
/** Heap in use (live and not yet collected) from which the fixed factor applies (96 MB let the findings-heavy tree commit 20 MB more first). */
export const LARGE_HEAP_BYTES = 48 * 1024 * 1024;
/** How often the heap is looked at: a few µs each, on an unref'd timer (a scan yields to the event loop often). */
const CHECK_EVERY_MS = 200;

const FLAG = /--heap[-_]growing[-_]percent/;

let limited = false;

/** Sets the fixed factor when `heapUsed` has reached LARGE_HEAP_BYTES (once per process); true once it is set. */
export function limitIfLarge(heapUsed: number): boolean {
  if (limited) return true;
  if (heapUsed < LARGE_HEAP_BYTES) return false;
  setV8Flag('heap-growing-percent', HEAP_GROWING_PERCENT);
  limited = true;
  return true;
}

/**
 * Sets the small heap's factor and watches the heap to set the large heap's once it is large,
 * unless the command line or NODE_OPTIONS already names the flag; false when the user's setting
 * stays.
 */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): boolean {
  if (execArgv.some((a) => FLAG.test(a)) || FLAG.test(nodeOptions)) return false;
  if (!limited) setV8Flag('heap-growing-percent', SMALL_HEAP_GROWING_PERCENT);
  const timer = setInterval(() => {
    if (limitIfLarge(getHeapStatistics().used_heap_size)) clearInterval(timer);
  }, CHECK_EVERY_MS);
  timer.unref();
  return true;
}
