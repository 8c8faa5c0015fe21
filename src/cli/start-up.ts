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

/**
 * The number `--jobs` (or `-j`) is given in `argv`, as a guess (`--jobs N`, `--jobs=N`, `-j N`,
 * `-jN`); undefined when it is not given. yargs checks it properly once the CLI's bundle is loaded.
 */
export function jobsOf(argv: readonly string[]): number | undefined {
  let jobs: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    const joined = /^(?:--jobs=|-j=?)(.+)$/.exec(a);
    if (joined) jobs = Number(joined[1]);
    else if (a === '--jobs' || a === '-j') jobs = Number(argv[++i]);
  }
  return jobs;
}

/**
 * Lowers the helper threads, then (for `scan`) starts the read-ahead worker, which keeps the main
 * thread's priority; not with `--jobs` above 1, whose workers open their own files (the standby
 * would only be ended).
 */
export function beforeLoad(argv: readonly string[]): void {
  lowerBackgroundThreads();
  if (commandOf(argv) === 'scan' && !((jobsOf(argv) ?? 1) > 1)) startReadAheadStandby();
}
