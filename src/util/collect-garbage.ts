/**
 * One full garbage collection, asked for where a scan's largest holdings have just become garbage
 * (docs/performance.md "Reads served from what a file already gave, and a collection after
 * scoring").
 *
 * After the last root is scored, the walk's candidates, listings and inspection records are garbage
 * but V8 has not yet collected them; hashing, the episodes and the writer then allocate on top of
 * them and the heap grows to the scan's peak. Collected first, the findings-heavy 100k tree's peak
 * RSS is 15-20 MB lower, for one collection of about 60 ms.
 *
 * Node has no API for this without `--expose-gc` on the command line; the flag set at run time
 * installs `gc` in contexts made after it, so one new context hands it over.
 */
import { runInNewContext } from 'node:vm';
import { setV8Flag } from './v8-flags.js';

let gc: (() => void) | null | undefined;

/** Runs a full collection; false when this V8 does not give the function (nothing is done). */
export function collectGarbage(): boolean {
  if (gc === undefined) {
    try {
      setV8Flag('expose-gc', true);
      const f: unknown = runInNewContext('gc');
      gc = typeof f === 'function' ? (f as () => void) : null;
    } catch {
      gc = null;
    }
  }
  if (!gc) return false;
  gc();
  return true;
}
