/**
 * The threads Node starts before the CLI runs (V8's platform workers, which run TurboFan's
 * compiles, concurrent marking and sweeping; the delayed-task thread; libuv's pool) are given the
 * lowest priority, nice 19; the main thread keeps its own, and the scan's worker threads (read-ahead,
 * image blocks, --jobs), started later by the main thread, inherit its priority.
 *
 * Why: on two cores a scan of 100,000 files runs the main thread (5.4 s), the read-ahead worker
 * and four V8 helpers (2.0 s of compiles and marking between them). The helpers' bursts took the main
 * thread's core often enough that it waited 0.42 s on the run queue; with the helpers at nice 19 they
 * run on what the two threads leave: the main thread's wait fell to a third or a quarter, and the 100k
 * scans were about 3 % faster at the median of interleaved pairs, at the same CPU and identical output
 * (docs/performance.md "Background threads at the lowest priority"). Where cores are free the change
 * does nothing; on a busy machine the helpers yield to other work too.
 *
 * Linux only: there `setpriority` on a thread id sets that thread's nice value, and a process may
 * always lower its own threads' priority. Elsewhere (no /proc/self/task) nothing is done. A thread
 * that cannot be changed (gone, or a sandbox that forbids it) is left as it is.
 */
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { isMainThread } from 'node:worker_threads';

/** The lowest priority on Linux. */
export const BACKGROUND_NICE = 19;

/** Set on `globalThis` once the threads are lowered: bin/stagehunt.js lowers them from a bundle of its own (start-up.ts), before the CLI's. */
const LOWERED_KEY = Symbol.for('stagehunt.backgroundThreadsLowered');

/**
 * Gives every thread of this process except the main one (its id is the process id on Linux) nice
 * BACKGROUND_NICE; returns how many were changed. At start-up, before any worker thread is started,
 * once per process: called again, it does nothing (the workers started since keep the main thread's
 * priority); from a worker thread it does nothing (it would lower the main thread too).
 */
export function lowerBackgroundThreads(taskDir = '/proc/self/task'): number {
  const holder = globalThis as { [LOWERED_KEY]?: true };
  if (!isMainThread || holder[LOWERED_KEY]) return 0;
  holder[LOWERED_KEY] = true;
  const mainTid = process.pid;
  let tids: string[];
  try {
    tids = readdirSync(taskDir);
  } catch {
    return 0; // not Linux (or no /proc): threads keep Node's priority
  }
  let changed = 0;
  for (const name of tids) {
    const tid = Number(name);
    if (!Number.isInteger(tid) || tid <= 0 || tid === mainTid) continue;
    try {
      setPriority(tid, BACKGROUND_NICE);
      changed++;
    } catch {
      /* gone, or not permitted here: left as it is */
    }
  }
  return changed;
}
