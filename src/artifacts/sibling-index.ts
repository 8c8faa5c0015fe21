/**
 * Lookups in a directory listing, indexed once per listing. The scan hands every file of a
 * directory the same listing array, so a linear search per file was quadratic in the directory's
 * size (a Recycle Bin of thousands of $I records, a folder of thousands of ZIPs): the index is
 * built on first use and kept as long as the listing lives.
 */
const byLowerName = new WeakMap<readonly { name: string }[], Map<string, { name: string }>>();

/** The first entry whose name equals `name` case-insensitively (NTFS names are case-insensitive). */
export function siblingNamed<T extends { name: string }>(siblings: readonly T[], name: string): T | undefined {
  let index = byLowerName.get(siblings);
  if (!index) {
    index = new Map();
    for (const s of siblings) {
      const key = s.name.toLowerCase();
      if (!index.has(key)) index.set(key, s);
    }
    byLowerName.set(siblings, index);
  }
  return index.get(name.toLowerCase()) as T | undefined;
}
