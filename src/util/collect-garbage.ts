/**
 * A full garbage collection, asked for where a scan's largest holdings have just become garbage
 * (docs/performance.md "Reads served from what a file already gave, and a collection after
 * scoring", "Session 36").
 *
 * After the last root is scored, the walk's candidates, listings and inspection records are garbage
 * but V8 has not yet collected them; hashing, the episodes and the writer then allocate on top of
 * them and the heap grows to the scan's peak. Collected first, the findings-heavy 100k tree's peak
 * RSS is 15-20 MB lower, for one collection of about 60 ms. Once hashing and the episodes are done,
 * a large heap is collected once more (WORTH_COLLECTING_BEFORE_REPORT_BYTES).
 *
 * Node has no API for this without `--expose-gc` on the command line; the flag set at run time
 * installs `gc` in contexts made after it, so one new context hands it over.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { setV8Flag } from './v8-flags.js';

/**
 * Old generation in use (the heap less the young generation, whose garbage a scavenge takes anyway)
 * below which the collection is not worth its time: it costs 8-16 ms however little there is to
 * collect, and leaves about 10 MB. After scoring, the scale trees of 3,000 to 100,000 ordinary files
 * hold 14-20 MB, tree-100k's one folder 35-37 MB, tree-100k 48-55 MB, the findings-heavy tree
 * 94-112 MB (docs/performance.md "Session 35").
 */
export const WORTH_COLLECTING_BYTES = 32 * 1024 * 1024;

/**
 * Old generation in use past which the scan collects once more when its findings are hashed and its
 * episodes built, before the timeline's rows and the writer, where a findings-heavy scan peaks: the
 * findings-heavy 100k tree holds 127 MB there, 49 MB of it garbage (a collection of 86 ms, 206 ms
 * while V8's incremental marking is under way), and its peak RSS with default hashing was 228-251
 * MB in 21 runs, 231-236 MB in 16 with it (docs/performance.md "Session 36"). tree-100k holds 55 MB
 * there, its peak far below the line: not collected.
 */
export const WORTH_COLLECTING_BEFORE_REPORT_BYTES = 64 * 1024 * 1024;

/** Bytes in use in the old generation (every space but the young generation's two). */
function oldGenerationUsed(): number {
  let used = 0;
  for (const space of getHeapSpaceStatistics()) if (!space.space_name.startsWith('new_')) used += space.space_used_size;
  return used;
}

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

/** Runs a full collection when the old generation in use is at least `minBytes`; true when it ran. */
export function collectGarbageIfLarge(minBytes: number = WORTH_COLLECTING_BYTES): boolean {
  if (oldGenerationUsed() < minBytes) return false;
  return collectGarbage();
}
