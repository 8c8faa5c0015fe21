/**
 * The main thread's young generation held at 16 MB (src/util/young-generation.ts): measured in
 * fresh Node processes (jest's own heap has long grown), which import the built module
 * (`npm test` builds first).
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers/cli.js';
import { removeTree, tempDir } from '../hazards/helpers.js';
import { holdYoungGeneration, YOUNG_GENERATION_MB } from '../../src/util/young-generation.js';

const BUILT = path.join(ROOT, 'dist', 'util', 'young-generation.js');
const FETCHER = path.join(ROOT, 'dist', 'evidence', 'image', 'container', 'block-fetch.js');
const TARGET = YOUNG_GENERATION_MB * 1024 * 1024;

/**
 * A fresh process: holds the young generation (unless `hold` is false), starts a worker thread
 * (re-holding on 'online' when `rehold`), then keeps about 60 MB of small objects alive (V8 grows a
 * young generation through which much survives); prints the new space's size after each step.
 */
function run(opts: { hold: boolean; rehold: boolean }): { held: boolean; atStart: number; afterHold: number; beforeWorker: number; afterWorker: number } {
  const script = `
    import { Worker } from 'node:worker_threads';
    import { holdYoungGeneration, keepYoungGenerationHeld, newSpaceBytes } from ${JSON.stringify(pathToFileURL(BUILT).href)};
    const atStart = newSpaceBytes();
    const held = ${opts.hold} ? holdYoungGeneration([], '') : false;
    const afterHold = newSpaceBytes();
    const kept = [];
    const keep = () => { for (let i = 0; i < 1_000_000; i++) kept.push({ i, s: 'x' + i }); };
    const beforeWorker = newSpaceBytes();
    const worker = new Worker('setTimeout(() => {}, 200)', { eval: true });
    await new Promise((resolve) => worker.once('online', () => { if (${opts.rehold}) keepYoungGenerationHeld(); resolve(); }));
    keep();
    const afterWorker = newSpaceBytes();
    await worker.terminate();
    process.stdout.write(JSON.stringify({ held, atStart, afterHold, beforeWorker, afterWorker, kept: kept.length }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } });
  expect([r.status, r.stderr]).toEqual([0, '']);
  return JSON.parse(r.stdout) as { held: boolean; atStart: number; afterHold: number; beforeWorker: number; afterWorker: number };
}

/** A fresh process that runs `body` with the built module's exports in scope; its stdout. */
function runScript(body: string): string {
  const script = `
    import { Worker } from 'node:worker_threads';
    import { heldOnceOnline, holdYoungGeneration, keepYoungGenerationHeld, newSpaceBytes } from ${JSON.stringify(pathToFileURL(BUILT).href)};
    ${body}
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } });
  expect([r.status, r.stderr]).toEqual([0, '']);
  return r.stdout;
}

/** Holds, starts a worker and keeps about 60 MB of small objects alive: after waiting for heldOnceOnline, or at once (while the worker's isolate is being configured). */
const ALLOCATE_AS_WORKER_STARTS = (wait: boolean): string => `
    holdYoungGeneration([], '');
    const kept = [];
    const worker = new Worker('setTimeout(() => {}, 500)', { eval: true });
    const online = ${wait} ? await heldOnceOnline(worker) : worker.once('online', keepYoungGenerationHeld);
    for (let i = 0; i < 1_000_000; i++) kept.push({ i, s: 'x' + i });
    const after = newSpaceBytes();
    await worker.terminate();
    process.stdout.write(JSON.stringify({ after, kept: kept.length }));
`;

describe('the young generation through a worker start (docs/performance.md)', () => {
  test('allocating while the worker starts grows it past the target; waiting for heldOnceOnline first keeps it held', () => {
    const during = JSON.parse(runScript(ALLOCATE_AS_WORKER_STARTS(false))) as { after: number };
    const waited = JSON.parse(runScript(ALLOCATE_AS_WORKER_STARTS(true))) as { after: number };
    expect(during.after).toBeGreaterThan(TARGET);
    expect(waited.after).toBe(TARGET);
  });

  test('a worker that works ahead of the walk runs when its start returns: allocating at once keeps it held', () => {
    // The block-fetch worker (an EWF image's chunks), started as a scan starts it; the read-ahead
    // worker goes through the same start (src/evidence/ahead-worker.ts). A script file, not -e: a
    // worker inherits --input-type and fails to start under it.
    const dir = tempDir('young-generation');
    try {
      const script = path.join(dir, 'start.mjs');
      writeFileSync(
        script,
        `
        import { holdYoungGeneration, newSpaceBytes } from ${JSON.stringify(pathToFileURL(BUILT).href)};
        import { BlockFetcher } from ${JSON.stringify(pathToFileURL(FETCHER).href)};
        holdYoungGeneration([], '');
        const kept = [];
        const fetcher = new BlockFetcher(32768, () => null);
        const online = fetcher.start();
        for (let i = 0; i < 1_000_000; i++) kept.push({ i, s: 'x' + i });
        const after = newSpaceBytes();
        await online;
        const running = fetcher.running;
        fetcher.stop();
        process.stdout.write(JSON.stringify({ running, after, kept: kept.length }));
      `,
      );
      const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } });
      expect([r.status, r.stderr]).toEqual([0, '']);
      expect(JSON.parse(r.stdout)).toEqual({ running: true, after: TARGET, kept: 1_000_000 });
    } finally {
      removeTree(dir);
    }
  });

  test('heldOnceOnline settles for an unreferenced worker (the process does not end first) and for one that fails to start', () => {
    const out = runScript(`
      holdYoungGeneration([], '');
      const idle = new Worker('setTimeout(() => {}, 300)', { eval: true });
      idle.unref();
      await heldOnceOnline(idle);
      process.stdout.write('online ');
      const broken = new Worker('throw new Error("no start")', { eval: true });
      broken.on('error', () => undefined);
      await heldOnceOnline(broken);
      process.stdout.write('settled ' + (newSpaceBytes() === ${TARGET}));
      await idle.terminate();
    `);
    expect(out).toBe('online settled true');
  });
});

describe('the young generation held at 16 MB (docs/performance.md)', () => {
  test('the module is built (npm test builds before jest)', () => {
    expect(existsSync(BUILT)).toBe(true);
  });

  test('held from start-up: grown to the target once, then no further, a worker thread started on the way included', () => {
    const r = run({ hold: true, rehold: true });
    expect(r.held).toBe(true);
    expect(r.atStart).toBeLessThan(TARGET);
    expect(r.afterHold).toBe(TARGET);
    expect(r.beforeWorker).toBe(TARGET);
    expect(r.afterWorker).toBe(TARGET);
  });

  test('the hold takes few scavenges: a growth factor that lands on the target, not doubling (docs/performance.md "Session 34")', () => {
    const out = JSON.parse(
      runScript(`
        const { PerformanceObserver, constants } = await import('node:perf_hooks');
        const kinds = [];
        const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) kinds.push(e.detail.kind); });
        observer.observe({ entryTypes: ['gc'] });
        const before = newSpaceBytes();
        holdYoungGeneration([], '');
        const after = newSpaceBytes();
        await new Promise((resolve) => setTimeout(resolve, 50));
        observer.disconnect();
        process.stdout.write(JSON.stringify({ before, after, scavenges: kinds.filter((k) => k === constants.NODE_PERFORMANCE_GC_MINOR).length }));
      `),
    ) as { before: number; after: number; scavenges: number };
    expect(out.before).toBeLessThanOrEqual(TARGET / 8);
    expect(out.after).toBe(TARGET);
    // 1 -> 2 -> 16 MB in three scavenges; doubling (1 -> 2 -> 4 -> 8 -> 16) took seven.
    expect(out.scavenges).toBeLessThanOrEqual(4);
  });

  test('not held, the same process grows it past the target: what the hold saves', () => {
    const r = run({ hold: false, rehold: false });
    expect(r.afterWorker).toBeGreaterThan(TARGET);
  });

  test("a worker's isolate sets V8's growth factor back: without the re-hold on 'online' the young generation grows again", () => {
    const r = run({ hold: true, rehold: false });
    expect(r.beforeWorker).toBe(TARGET);
    expect(r.afterWorker).toBeGreaterThan(TARGET);
  });

  test("the user's own semi-space flags win (command line or NODE_OPTIONS)", () => {
    expect(holdYoungGeneration(['--max-semi-space-size=64'], '')).toBe(false);
    expect(holdYoungGeneration(['--semi_space_growth_factor=4'], '')).toBe(false);
    expect(holdYoungGeneration([], '--max-old-space-size=4096 --min-semi-space-size=8')).toBe(false);
  });
});
