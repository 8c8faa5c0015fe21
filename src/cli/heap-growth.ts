/**
 * How far V8 lets the old generation grow past what a full collection left alive, for this
 * process (the main thread and the scan's workers: V8 flags are per process).
 *
 * A scan allocates fast and keeps what it finds (candidates, then findings) until the report is
 * written, so V8's own rule picks its largest factor and commits about twice the live old space
 * (docs/performance.md "Memory per finding"). A fixed factor of 1.5 took the findings-heavy 100k
 * tree from about 300 to 260 MB peak RSS at no measured CPU cost (docs/performance.md,
 * "Timeline from the findings and the walk's peak"). The factor is read at every collection, so
 * setting it at start-up is enough; `node --heap-growing-percent=N` (or NODE_OPTIONS) given by
 * the user wins.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 50;

const FLAG = /--heap[-_]growing[-_]percent/;

/** Sets the factor unless the command line or NODE_OPTIONS already does. */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): boolean {
  if (execArgv.some((a) => FLAG.test(a)) || FLAG.test(nodeOptions)) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
