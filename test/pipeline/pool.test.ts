/**
 * The inspection pool (--jobs, src/pipeline/pool.ts): the report of `--jobs 2` (and 3) is the
 * report of `--jobs 1`, byte for byte, on the demo image and on a generated tree with findings
 * (large directories split over several batches, small ones gathered into one); a pool whose
 * workers die still gives the whole report (their files are inspected again in the isolated
 * worker), and a file that is too big for that gets an error entry. The workers are the compiled
 * dist/pipeline/pool-worker.js (npm test builds first), so the built pipeline is imported.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { removeTree, tempDir } from '../hazards/helpers.js';
import { describeIf, DIST_MISSING } from '../helpers/corpus.js';
import { buildZip } from '../../fixtures/lib/zip-writer.mjs';

const WORKER = path.resolve('dist/pipeline/pool-worker.js');
const built = existsSync(WORKER);
if (!built && process.env.CI === 'true') throw new Error(`${WORKER} is missing: run npm run build`);
const DEMO = path.resolve('fixtures/demo/image');

interface MiniReport {
  meta: Record<string, unknown>;
  findings: Array<{ path: string; kind: string }>;
  errors: Array<{ path: string; op: string; code: string; message: string }>;
}
type ScanFn = (o: Record<string, unknown>) => Promise<MiniReport>;

/** The first place where two reports differ ('' when they are the same byte for byte as JSON). */
function firstDifference(a: unknown, b: unknown, at = 'report'): string {
  if (JSON.stringify(a) === JSON.stringify(b)) return '';
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return `${at}: ${JSON.stringify(a)?.slice(0, 300)} vs ${JSON.stringify(b)?.slice(0, 300)}`;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
    if (d) return d;
  }
  return `${at}: key order`;
}

describeIf(built, DIST_MISSING)('inspection pool', () => {
  let scan: ScanFn;
  let sigma: unknown;
  let dir: string;
  let tree: string;
  const now = (): Date => new Date(0);

  beforeAll(async () => {
    scan = ((await import(path.resolve('dist/pipeline/scan.js'))) as { scan: ScanFn }).scan;
    sigma = ((await import(path.resolve('dist/cli/sigma.js'))) as { builtinSigmaRules(): unknown }).builtinSigmaRules();
    dir = tempDir('pool');
    tree = path.join(dir, 'tree');
    const { generate } = (await import(path.resolve('bench/generate-tree.mjs'))) as { generate(a: Record<string, unknown>, log?: (m: string) => void): unknown };
    generate({ out: tree, files: 1000, uniform: 0, seed: 7401, force: true, profile: 'findings' }, () => undefined);
    // One directory of 300 files (five batches) next to the generated ones.
    mkdirSync(path.join(tree, 'Windows', 'Temp', 'big'), { recursive: true });
    for (let i = 0; i < 300; i++) writeFileSync(path.join(tree, 'Windows', 'Temp', 'big', `f${i}.txt`), `line ${i}\n`.repeat(1 + (i % 17)));
    // A first listing can change directory access times (relatime): reports are compared after it.
    await scan({ roots: [tree], os: 'auto', scope: 'all', now });
  }, 180_000);
  afterAll(() => removeTree(dir));

  test('a generated tree with findings: --jobs 2 and 3 give the report of --jobs 1', async () => {
    const one = await scan({ roots: [tree], os: 'auto', scope: 'all', now, jobs: 1 });
    expect(one.findings.length).toBeGreaterThan(400);
    expect(firstDifference(one, await scan({ roots: [tree], os: 'auto', scope: 'all', now, jobs: 2 }))).toBe('');
    expect(firstDifference(one, await scan({ roots: [tree], os: 'auto', scope: 'all', now, jobs: 3 }))).toBe('');
  }, 240_000);

  describeIf(existsSync(DEMO), 'demo image not generated (node fixtures/demo/generate.mjs)')('the demo image', () => {
    beforeAll(async () => {
      // A first listing can change directory access times (relatime): compare scans after it.
      await scan({ roots: [DEMO], os: 'auto', scope: 'all', now });
    }, 60_000);

    for (const scope of ['hotspots', 'all']) {
      test(`--scope ${scope}, with the built-in Sigma rules (event logs stay on the main thread): --jobs 2 gives the report of --jobs 1`, async () => {
        const one = await scan({ roots: [DEMO], os: 'auto', scope, now, sigma, jobs: 1 });
        expect(one.findings.length).toBeGreaterThan(10);
        expect(firstDifference(one, await scan({ roots: [DEMO], os: 'auto', scope, now, sigma, jobs: 2 }))).toBe('');
      }, 60_000);
    }

    test('two roots in one scan: --jobs 2 gives the report of --jobs 1', async () => {
      const one = await scan({ roots: [DEMO, tree], os: 'auto', scope: 'all', now, jobs: 1 });
      expect(firstDifference(one, await scan({ roots: [DEMO, tree], os: 'auto', scope: 'all', now, jobs: 2 }))).toBe('');
    }, 240_000);
  });

  test('workers that die (heap too small to start) lose nothing: their files are inspected in the isolated worker', async () => {
    const one = await scan({ roots: [tree], os: 'auto', scope: 'all', now, jobs: 1 });
    const starved = await scan({ roots: [tree], os: 'auto', scope: 'all', now, jobs: 2, poolHeapMb: 1 });
    expect(firstDifference(one, starved)).toBe('');
  }, 240_000);

  describe('a file that exhausts a worker heap', () => {
    let root: string;
    beforeAll(() => {
      root = path.join(dir, 'heavy');
      mkdirSync(path.join(root, 'Users', 'bob', 'Desktop'), { recursive: true });
      mkdirSync(path.join(root, 'Windows', 'Temp'), { recursive: true });
      // A ZIP of 40,000 entries (about 3 MB, under the isolation size): its listing needs tens of MB of heap.
      const entries = Array.from({ length: 40_000 }, (_, i) => ({ name: `Documents/finance/report-${i}.docx`, data: '' }));
      writeFileSync(path.join(root, 'Windows', 'Temp', 'big.zip'), buildZip({ entries }));
      writeFileSync(path.join(root, 'Users', 'bob', 'Desktop', 'a.zip'), buildZip({ entries: [{ name: 'secret.xlsx', data: 'x'.repeat(100) }] }));
      for (let i = 0; i < 50; i++) writeFileSync(path.join(root, 'Windows', 'Temp', `log${i}.txt`), 'ordinary\n');
    });

    test('gets an error entry when the isolated worker cannot hold it either; every other file is reported', async () => {
      const report = await scan({ roots: [root], os: 'auto', scope: 'all', now, jobs: 2, poolHeapMb: 12, isolation: { heapMb: 12 } });
      expect(report.errors.filter((e) => e.path === 'Windows/Temp/big.zip')).toEqual([expect.objectContaining({ op: 'parse', code: 'ENOMEM' })]);
      expect(report.findings.some((f) => f.path === 'Users/bob/Desktop/a.zip')).toBe(true);
      expect(report.errors.filter((e) => e.path !== 'Windows/Temp/big.zip')).toEqual([]);
    }, 120_000);
  });
});
