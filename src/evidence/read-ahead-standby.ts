/**
 * The read-ahead worker (read-ahead.ts) started on standby by bin/stagehunt.js for `scan`, before
 * the CLI's bundle loads: its own small bundle (scripts/bundle.mjs), so that the worker's start
 * overlaps that load (ahead-worker.ts `startStandby`; docs/performance.md "Session 33").
 */
import { aheadWorkerAvailable, startStandby } from './ahead-worker.js';
import { HANDLES_AVAILABLE } from './paths.js';

/** The read-ahead worker's module, beside this one (dist/evidence/, or dist/bundle/ once bundled). */
export const READ_AHEAD_WORKER_URL = new URL('./read-ahead-worker.js', import.meta.url);

/** Whether the read-ahead worker can run here: its compiled module (not under ts-jest), shared memory, directory handles. */
export function readAheadAvailable(): boolean {
  return HANDLES_AVAILABLE && aheadWorkerAvailable(READ_AHEAD_WORKER_URL);
}

/** Starts the read-ahead worker without its ring, where it can run. */
export function startReadAheadStandby(): void {
  if (readAheadAvailable()) startStandby(READ_AHEAD_WORKER_URL);
}
