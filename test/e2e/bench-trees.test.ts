/**
 * The bench trees of `npm run bench` (bench/run.mjs, issue 17), scaled down, checked with the
 * built CLI so that each row measures what it says: the hotspot tree has exactly 5 % of its files
 * where the hotspot catalog reaches, the scale trees the same fixed number of blob findings at
 * every size, and one directory and 1,000 directories hold the same files with the same results.
 * Count-based, not timed.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { removeTree, tempDir } from '../hazards/helpers.js';

interface Manifest { files: number; dirs: number; byKind: Record<string, number> }
interface Report {
  summary: { findings: number };
  meta: { roots: Array<{ filesScanned: number; directories: number }> };
  findings: Array<{ path: string; rule?: string; kind: string }>;
  errors: unknown[];
}
type Generate = (a: Record<string, unknown>, log?: (m: string) => void) => Manifest;

describe('bench trees, scaled down', () => {
  let dir: string;
  let generate: Generate;

  beforeAll(async () => {
    dir = tempDir('bench-trees');
    ({ generate } = (await import(path.resolve('bench/generate-tree.mjs'))) as { generate: Generate });
  });
  afterAll(() => removeTree(dir));

  const make = (name: string, files: number, extra: Record<string, unknown>): Manifest =>
    generate({ out: path.join(dir, name), files, uniform: 1024, seed: 7401, force: true, profile: 'mixed', ...extra }, () => undefined);
  const scan = (name: string, scope: 'all' | 'hotspots'): Report => {
    const out = path.join(dir, `${name}-${scope}.json`);
    const r = runCli(['scan', path.join(dir, name), '--scope', scope, '--min-level', 'info', '--hash', 'none', '--format', 'json', '--quiet', '--output', out], { timeoutMs: 150_000 });
    expect([0, 1]).toContain(r.status);
    return JSON.parse(readFileSync(out, 'utf8')) as Report;
  };

  test('hotspots5: the hotspot scope reads exactly every 20th file, the whole scope all of them', () => {
    const m = make('windows', 4000, { layout: 'hotspots5', blobs: 0 });
    expect(m.files).toBe(4000);
    const hot = scan('windows', 'hotspots');
    expect(hot.meta.roots[0]!.filesScanned).toBe(200);
    expect(hot.errors).toEqual([]);
    const all = scan('windows', 'all');
    expect(all.meta.roots[0]!.filesScanned).toBe(4000);
  }, 300_000);

  test('scale trees: one blob finding per 400 files, 5 at 2,000 and 20 at 8,000 files (the same share at every size)', () => {
    for (const [files, blobs] of [[2000, 5], [8000, 20]] as const) {
      const m = make(`scale-${files}`, files, { blobEvery: 400 });
      expect([files, m.byKind.blob]).toEqual([files, blobs]);
      const r = scan(`scale-${files}`, 'all');
      expect(r.meta.roots[0]!.filesScanned).toBe(files);
      const blobFindings = r.findings.filter((f) => /\/blob-[0-9a-z]+\.dat$/.test(f.path));
      expect([files, blobFindings.length]).toEqual([files, blobs]);
    }
  }, 300_000);

  test('onedir and spread: the same 3,000 files, one directory against 1,000, the same file findings', () => {
    const one = make('onedir', 3000, { layout: 'onedir', blobs: 0 });
    const spread = make('spread', 3000, { layout: 'spread', blobs: 0 });
    expect([one.dirs, spread.dirs]).toEqual([1, 1000]);
    const a = scan('onedir', 'all');
    const b = scan('spread', 'all');
    expect(a.meta.roots[0]!.filesScanned).toBe(3000);
    expect(b.meta.roots[0]!.filesScanned).toBe(3000);
    const fileFindings = (r: Report): string[] => r.findings.filter((f) => f.kind === 'file').map((f) => f.path.slice(f.path.lastIndexOf('/') + 1)).sort();
    expect(fileFindings(a)).toEqual(fileFindings(b));
  }, 300_000);
});
