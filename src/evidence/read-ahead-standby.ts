/**
 * The read-ahead worker (read-ahead.ts) started on standby by bin/stagehunt.js for `scan`, before
 * the CLI's bundle loads: its own small bundle (scripts/bundle.mjs), so that the worker's start
 * overlaps that load (ahead-worker.ts `startStandby`; docs/performance.md "Session 33").
 */
import { startStandby } from './ahead-worker.js';
import { HANDLES_AVAILABLE } from './paths.js';

/** The read-ahead worker's module, beside this one (dist/evidence/, or dist/bundle/ once bundled). */
export const READ_AHEAD_WORKER_URL = new URL('./read-ahead-worker.js', import.meta.url);

/** Starts the read-ahead worker without its ring, where it can run (read-ahead.ts `ReadAhead.available`). */
export function startReadAheadStandby(): void {
  if (HANDLES_AVAILABLE) startStandby(READ_AHEAD_WORKER_URL);
}
