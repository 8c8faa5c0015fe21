/**
 * The one text comparison of sorted output (findings, episodes, errors, rule lists): exactly
 * `a.localeCompare(b)` (the process's default collation, as every report has always been ordered),
 * answered without the collator when the two strings are the same (ties on a sort key are common:
 * the same time, the same folder), since a collator still walks both strings to say 0.
 */
export function compareText(a: string, b: string): number {
  return a === b ? 0 : a.localeCompare(b);
}

/**
 * Sorts `items` in place by a comparison of keys computed once per item (decorate, sort,
 * undecorate) instead of once per comparison: the order is the one `items.sort((a, b) =>
 * compare(keyOf(a), keyOf(b)))` gives, ties kept in input order (the sort is stable).
 */
export function sortByKey<T, K>(items: T[], keyOf: (item: T) => K, compare: (a: K, b: K) => number): T[] {
  const decorated = items.map((item) => ({ key: keyOf(item), item }));
  decorated.sort((a, b) => compare(a.key, b.key));
  for (let i = 0; i < decorated.length; i++) items[i] = decorated[i]!.item;
  return items;
}
