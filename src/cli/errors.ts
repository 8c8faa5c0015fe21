/** Exit codes (README, --help): 0 clean, 1 findings at or above --fail-on, 2 usage or fatal error. */
export const EXIT = { ok: 0, findings: 1, error: 2 } as const;

/** An error the user can fix: printed as one line, no stack trace (unless --debug). */
export class UsageError extends Error {}
