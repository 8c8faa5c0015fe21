/**
 * The optional file count behind the progress bar's percent and ETA: names only (readdir with
 * file types: no lstat, no open, no link followed), before the scan. It lists evidence
 * directories, so it lives here with the rest of the evidence access.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

/** Counting stops after this long: a total that arrives late is worth less than a prompt start. */
export const PRECOUNT_BUDGET_MS = 3000;

/**
 * A quick count of regular files under the roots (readdir with file types only: no lstat, no
 * open), for the ETA of `--scope all`. Symlinks are not followed. Returns null when the count
 * takes longer than `budgetMs` (huge or slow trees: progress then shows rate only).
 */
export function precountFiles(roots: readonly string[], budgetMs = PRECOUNT_BUDGET_MS, now: () => number = Date.now): number | null {
  const deadline = now() + budgetMs;
  let count = 0;
  const stack: Buffer[] = roots.map((r) => Buffer.from(path.resolve(r)));
  while (stack.length > 0) {
    if (now() > deadline) return null;
    const dir = stack.pop()!;
    let entries;
    try {
      entries = readdirSync(dir, { encoding: 'buffer', withFileTypes: true });
    } catch {
      continue; // the scan itself reports unreadable directories
    }
    for (const d of entries) {
      if (d.isFile()) count++;
      else if (d.isDirectory()) stack.push(Buffer.concat([dir, Buffer.from('/'), d.name]));
    }
  }
  return count;
}
