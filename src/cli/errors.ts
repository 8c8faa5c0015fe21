/** Exit codes (README, --help): 0 clean, 1 findings at or above --fail-on, 2 usage or fatal error (130 and 143, interrupted: src/cli/interrupt.ts). */
export const EXIT = { ok: 0, findings: 1, error: 2 } as const;

/** An error the user can fix: printed as one line, no stack trace (unless --debug). */
export class UsageError extends Error {}

/** What `failIfUnfinished` prints before it ends the process. */
export const UNFINISHED = 'stagehunt: fatal: internal error: the command stopped before it finished (nothing was left for it to wait for); its output may be missing\n';

/**
 * Ends the process with EXIT.error and one line when its event loop empties before `finished()`:
 * a command waiting on something that can no longer happen (a worker that never answers) would
 * otherwise end with exit code 0 and no report, which a CI pipeline reads as a clean run.
 */
export function failIfUnfinished(finished: () => boolean): void {
  process.once('beforeExit', () => {
    if (finished()) return;
    process.stderr.write(UNFINISHED);
    process.exit(EXIT.error);
  });
}
