/**
 * Text order of sorted output (findings, episodes, errors, hash records). Reports have always been
 * ordered by `localeCompare` (the process's default collation); a collator costs far more per
 * comparison than comparing code units, so large sorts run on code units and are then checked
 * against the collation with one comparison per adjacent pair (`sortExactly`): the order is the
 * collation's whenever the two agree, which they do for the hex ids and ASCII paths of a scan, and
 * the collation sorts again where they do not.
 */

/** `a.localeCompare(b)`, answered without the collator when the two strings are the same. */
export function compareText(a: string, b: string): number {
  return a === b ? 0 : a.localeCompare(b);
}

/** Code-unit order (what `<` and the default `sort()` compare). */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sorts `items` in place into exactly the order `items.sort(exact)` gives (stable: ties in input
 * order), computed with the cheaper `fast` comparison: sorted by `fast`, the result is that order
 * when every adjacent pair is in `exact` order and every pair `exact` calls equal is equal for
 * `fast` too (then ties sit in input order for both). Otherwise `exact` sorts the input again.
 * Both comparisons must be total preorders (consistent, transitive).
 */
export function sortExactly<T>(items: T[], fast: (a: T, b: T) => number, exact: (a: T, b: T) => number): T[] {
  const sorted = items.slice().sort(fast);
  for (let i = 1; i < sorted.length; i++) {
    const c = exact(sorted[i - 1]!, sorted[i]!);
    if (c > 0 || (c === 0 && fast(sorted[i - 1]!, sorted[i]!) !== 0)) return items.sort(exact);
  }
  for (let i = 0; i < sorted.length; i++) items[i] = sorted[i]!;
  return items;
}

/**
 * Sorts `items` in place by a comparison of keys computed once per item (decorate, sort,
 * undecorate) instead of once per comparison: the order `items.sort((a, b) => exact(keyOf(a),
 * keyOf(b)))` gives, ties kept in input order, computed through `sortExactly` with `fast`.
 */
export function sortByKey<T, K>(items: T[], keyOf: (item: T) => K, exact: (a: K, b: K) => number, fast: (a: K, b: K) => number = exact): T[] {
  const decorated = items.map((item) => ({ key: keyOf(item), item }));
  sortExactly(decorated, (a, b) => fast(a.key, b.key), (a, b) => exact(a.key, b.key));
  for (let i = 0; i < decorated.length; i++) items[i] = decorated[i]!.item;
  return items;
}
