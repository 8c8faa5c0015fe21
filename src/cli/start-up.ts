/**
 * What bin/stagehunt.js runs before it loads the CLI's bundle, from a small bundle of its own
 * (scripts/bundle.mjs): the helper threads lowered (thread-priority.ts) and, for `scan`, the
 * read-ahead worker started on standby, so that its start overlaps the load of the CLI's bundle
 * (evidence/ahead-worker.ts `startStandby`; docs/performance.md "Session 33"); then the loader of
 * that bundle (load-main.ts). main.ts does the same lowering (once per process) when the CLI is
 * started otherwise.
 */
import { startReadAheadStandby } from '../evidence/read-ahead-standby.js';
import { lowerBackgroundThreads } from './thread-priority.js';

// Then bin/stagehunt.js runs the CLI's bundle with its code cache (load-main.ts), which the build
// writes (scripts/code-cache.mjs).
export { MAIN_CODE_CACHE, runMain, writeMainCodeCache } from './load-main.js';

/** The command `argv` names (its first word that is not an option), as a guess: a wrong one costs only the standby. */
export function commandOf(argv: readonly string[]): string | undefined {
  return argv.find((a) => !a.startsWith('-'));
}

/** Lowers the helper threads, then (for `scan`) starts the read-ahead worker, which keeps the main thread's priority. */
export function beforeLoad(argv: readonly string[]): void {
  lowerBackgroundThreads();
  if (commandOf(argv) === 'scan') startReadAheadStandby();
}
