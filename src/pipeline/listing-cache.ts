/**
 * The last few directory listings a root's parsers asked for. A Trash folder of thousands of
 * .trashinfo files lists the same `files/` directory once per record (a readdir and an lstat per
 * entry each time: quadratic in system calls); evidence does not change during a scan, so the
 * listing is read once.
 */
import type { DirEntryInfo } from '../model/evidence.js';

const KEPT_LISTINGS = 8;

export function cachedLister(list: (rel: string) => DirEntryInfo[] | null): (rel: string) => DirEntryInfo[] | null {
  const kept = new Map<string, DirEntryInfo[] | null>();
  return (rel: string) => {
    if (kept.has(rel)) return kept.get(rel)!;
    const listing = list(rel);
    if (kept.size >= KEPT_LISTINGS) kept.delete(kept.keys().next().value!);
    kept.set(rel, listing);
    return listing;
  };
}
