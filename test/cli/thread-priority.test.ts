import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers/cli.js';
import { testIf } from '../helpers/corpus.js';
import { BACKGROUND_NICE, lowerBackgroundThreads } from '../../src/cli/thread-priority.js';

const BUILT = path.join(ROOT, 'dist', 'cli', 'thread-priority.js');
const BIN = path.join(ROOT, 'bin', 'stagehunt.js');
const DEMO = path.join(ROOT, 'fixtures', 'demo', 'image');
const LINUX = existsSync('/proc/self/task');

/**
 * Module source: `niceOf()` gives each thread of this process its nice value (/proc/self/task/TID/stat,
 * field 19).
 */
const NICE_OF_THREADS = `
  import { readdirSync, readFileSync } from 'node:fs';
  const niceOf = () => {
    const out = {};
    for (const t of readdirSync('/proc/self/task')) {
      const stat = readFileSync('/proc/self/task/' + t + '/stat', 'utf8');
      // After the command name in parentheses: field 3 (state) onwards; nice is field 19.
      out[t] = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    }
    return out;
  };`;

interface NiceReport {
  main: number;
  mainBefore: number;
  others: number[];
  count: number;
  added: number[];
}

describe('background threads at the lowest priority (thread-priority.ts, docs/performance.md)', () => {
  test('no /proc task list (not Linux): nothing is changed', () => {
    expect(lowerBackgroundThreads(path.join(os.tmpdir(), 'no-such-dir-stagehunt', 'task'))).toBe(0);
  });

  testIf(LINUX, 'not Linux: no /proc/self/task, no per-thread priority')("a fresh process: every thread but the main one at nice 19, and a worker started afterwards at the main thread's", () => {
    const script = `
      import { Worker } from 'node:worker_threads';
      import { lowerBackgroundThreads } from ${JSON.stringify(pathToFileURL(BUILT).href)};
      const BUILT_URL = ${JSON.stringify(pathToFileURL(BUILT).href)};
      ${NICE_OF_THREADS}
      // Called from a worker thread, it changes nothing (it would lower the main thread as well).
      const fromWorker = await new Promise((resolve, reject) => {
        // The process runs with --input-type=module, which an eval'd worker inherits: its code is a module too.
        const code = "import { parentPort } from 'node:worker_threads'; const m = await import(" + JSON.stringify(BUILT_URL) + "); parentPort.postMessage(m.lowerBackgroundThreads());";
        const w = new Worker(code, { eval: true });
        w.once('message', (n) => w.terminate().then(() => resolve(n)));
        w.once('error', reject);
      });
      const before = niceOf();
      const changed = lowerBackgroundThreads();
      const after = niceOf();
      // A worker thread started by the main thread now: its own thread inherits the main thread's priority.
      const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
      await new Promise((r) => worker.once('online', r));
      const withWorker = niceOf();
      await worker.terminate();
      const main = String(process.pid);
      const added = Object.keys(withWorker).filter((t) => !(t in after));
      process.stdout.write(JSON.stringify({
        main: after[main], mainBefore: before[main], count: changed, fromWorker,
        unchangedByWorker: Object.values(before).every((n) => n === before[main]),
        others: Object.entries(after).filter(([t]) => t !== main).map(([, n]) => n),
        added: added.map((t) => withWorker[t]),
      }));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, NODE_OPTIONS: '' } });
    expect([r.status, r.stderr]).toEqual([0, '']);
    const out = JSON.parse(r.stdout) as NiceReport & { fromWorker: number; unchangedByWorker: boolean };
    expect(out.fromWorker).toBe(0);
    expect(out.unchangedByWorker).toBe(true);
    expect(out.main).toBe(out.mainBefore);
    // Node starts V8's platform workers (4 without --v8-pool-size) and libuv's pool before any script runs.
    expect(out.count).toBeGreaterThanOrEqual(4);
    expect(out.others).toHaveLength(out.count);
    expect(new Set(out.others)).toEqual(new Set([BACKGROUND_NICE]));
    expect(out.added.length).toBeGreaterThanOrEqual(1);
    for (const n of out.added) expect(n).toBe(out.mainBefore);
  });

  testIf(LINUX, 'not Linux: no /proc/self/task, no per-thread priority')("bin's start-up (start-up.ts): the helpers lowered once, then for scan the read-ahead worker on standby at the main thread's priority", () => {
    const startUp = pathToFileURL(path.join(ROOT, 'dist', 'cli', 'start-up.js')).href;
    const aheadWorker = pathToFileURL(path.join(ROOT, 'dist', 'evidence', 'ahead-worker.js')).href;
    const script = `
      import { beforeLoad, commandOf, jobsOf } from ${JSON.stringify(startUp)};
      import { standbysStarted } from ${JSON.stringify(aheadWorker)};
      import { lowerBackgroundThreads } from ${JSON.stringify(pathToFileURL(BUILT).href)};
      ${NICE_OF_THREADS}
      const before = niceOf();
      beforeLoad(['--quiet', 'scan', '/evidence']);
      standbysStarted();
      const after = niceOf();
      // main.ts lowers them again when it loads: once per process, so the standby keeps its priority.
      const again = lowerBackgroundThreads();
      const main = String(process.pid);
      process.stdout.write(JSON.stringify({
        main: after[main], mainBefore: before[main], again,
        others: Object.entries(after).filter(([t]) => t !== main && t in before).map(([, n]) => n),
        added: Object.keys(niceOf()).filter((t) => !(t in before)).map((t) => after[t]),
        commands: [commandOf(['scan', 'x']), commandOf(['--quiet', 'explain', 'scan']), commandOf(['--version'])],
        jobs: [['scan', 'x'], ['scan', '--jobs', '2', 'x'], ['scan', '--jobs=3', 'x'], ['scan', '-j', '4'], ['scan', '-j5'], ['scan', '-j=6'], ['scan', '-j', '2', '--jobs', '1'], ['scan', '--', '--jobs', '2']].map(jobsOf),
      }));
      process.exit(0);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, NODE_OPTIONS: '' } });
    expect([r.status, r.stderr]).toEqual([0, '']);
    const out = JSON.parse(r.stdout) as NiceReport & { again: number; commands: Array<string | null>; jobs: Array<number | null> };
    expect(out.main).toBe(out.mainBefore);
    expect(out.others.length).toBeGreaterThanOrEqual(4);
    expect(new Set(out.others)).toEqual(new Set([BACKGROUND_NICE]));
    expect(out.again).toBe(0);
    // The standby's thread (and any its start added), started after the lowering: the main thread's priority.
    expect(out.added.length).toBeGreaterThanOrEqual(1);
    for (const n of out.added) expect(n).toBe(out.mainBefore);
    expect(out.commands).toEqual(['scan', 'explain', null]);
    // --jobs as start-up reads it (above 1: no standby), the last one given; JSON writes undefined as null.
    expect(out.jobs).toEqual([null, 2, 3, 4, 5, 6, 1, null]);
  });

  testIf(LINUX && existsSync(DEMO), LINUX ? 'the demo image is not generated (node fixtures/demo/generate.mjs)' : 'not Linux: no /proc/self/task')('the CLI lowers them from start-up: a scan runs with its helpers at nice 19 and its main thread as started', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sh-nice-'));
    try {
      const hook = path.join(dir, 'report-nice.mjs');
      writeFileSync(
        hook,
        `${NICE_OF_THREADS}
         const before = niceOf()[String(process.pid)];
         process.on('exit', () => {
           const all = niceOf();
           const main = String(process.pid);
           process.stderr.write('NICE ' + JSON.stringify({ main: all[main], mainBefore: before, count: Object.keys(all).length - 1,
             others: Object.entries(all).filter(([t]) => t !== main).map(([, n]) => n) }) + '\\n');
         });`,
      );
      const r = spawnSync(process.execPath, ['--import', pathToFileURL(hook).href, BIN, 'scan', DEMO, '--quiet', '-f', 'json', '-o', path.join(dir, 'report.json')], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } });
      expect(r.status).toBe(0);
      const line = r.stderr.split('\n').find((l) => l.startsWith('NICE '));
      expect(line).toBeDefined();
      const out = JSON.parse(line!.slice(5)) as NiceReport;
      expect(out.main).toBe(out.mainBefore);
      // Threads still alive at exit: V8's and libuv's helpers (lowered), none at the main thread's priority unless started by it.
      expect(out.others.filter((n) => n === BACKGROUND_NICE).length).toBeGreaterThanOrEqual(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
