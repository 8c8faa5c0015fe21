/**
 * The main thread's young generation held at 16 MB (src/util/young-generation.ts): measured in
 * fresh Node processes (jest's own heap has long grown), which import the built module
 * (`npm test` builds first).
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers/cli.js';
import { holdYoungGeneration, YOUNG_GENERATION_MB } from '../../src/util/young-generation.js';

const BUILT = path.join(ROOT, 'dist', 'util', 'young-generation.js');
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
