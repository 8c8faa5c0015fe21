/**
 * The last few directory listings a root's parsers asked for. A Trash folder of thousands of
 * .trashinfo files lists the same `files/` directory once per record (a readdir and an lstat per
 * entry each time: quadratic in system calls); evidence does not change during a scan, so the
 * listing is read once.
 */
import type { ListedEntry } from '../model/evidence.js';

const KEPT_LISTINGS = 8;

export function cachedLister(list: (relDir: string) => ListedEntry[] | null): (relDir: string) => ListedEntry[] | null {
  const kept = new Map<string, ListedEntry[] | null>();
  return (relDir: string) => {
    if (kept.has(relDir)) return kept.get(relDir)!;
    const listing = list(relDir);
    if (kept.size >= KEPT_LISTINGS) kept.delete(kept.keys().next().value!);
    kept.set(relDir, listing);
    return listing;
  };
}
