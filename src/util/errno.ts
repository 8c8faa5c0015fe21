/**
 * One wording for a file that cannot be opened, for every command and option (issue 16: a missing
 * file says "no such file" everywhere), instead of a bare errno code or Node's long message.
 */
const WORDS: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file (a component of the path is not a directory)',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ELOOP: 'is a symbolic link (not followed)',
  ENAMETOOLONG: 'name too long',
};

/** "no such file", "permission denied", ... for an fs error; its code or message otherwise. */
export function fileErrorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return (e?.code && WORDS[e.code]) || e?.code || (err instanceof Error ? err.message : String(err));
}
