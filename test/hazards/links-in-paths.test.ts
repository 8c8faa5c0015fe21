/**
 * The "links in paths" class (issue 18): seeded random trees of each layout where components of
 * hotspot paths are symbolic links (out of the root, to /dev, to /, loops, dangling, chains).
 * Whatever the seed: nothing outside the root is reported, hashed or walked; every link the scan
 * meets is counted and listed once; everything not under a link is still found; each scan stays
 * within the case budget. More seeds: LINK_FUZZ_SEEDS=200 (docs/hostile-input.md).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import path from 'node:path';
import { hotspotsFor, loadArtifactLocations, loadBuiltinHotspots } from '../../src/hotspots/catalog.js';
import { expandBraces } from '../../src/hotspots/match.js';
import { scan } from '../../src/pipeline/scan.js';
import { buildLinkedTree, concreteDirs } from './boundary-cases.js';
import { CASE_BUDGET, removeTree, tempDir } from './helpers.js';

const SEEDS = Number(process.env.LINK_FUZZ_SEEDS ?? 18);
const LAYOUTS = ['windows', 'linux', 'macos'] as const;

describe(`links in hotspot paths: ${SEEDS} seeded trees, both scopes`, () => {
  let base: string;
  beforeAll(() => {
    base = tempDir('linkfuzz');
  });
  afterAll(() => removeTree(base));

  for (let seed = 1; seed <= SEEDS; seed++) {
    const os = LAYOUTS[seed % LAYOUTS.length]!;
    test(`seed ${seed} (${os})`, async () => {
      const hotspotDirs = concreteDirs(hotspotsFor(loadBuiltinHotspots(), os).map((h) => h.pattern).filter((p) => p !== '*'), expandBraces);
      // Directories holding the artifacts read in every scan (hives, histories): links there too.
      const artifactPatterns = loadArtifactLocations()
        .filter((l) => l.os === os || l.os === 'any')
        .flatMap((l) => expandBraces(l.pattern))
        .map((p) => p.slice(0, Math.max(0, p.lastIndexOf('/'))))
        .filter((p) => p !== '');
      const tree = buildLinkedTree(base, seed, hotspotDirs, concreteDirs(artifactPatterns, expandBraces));
      for (const scope of ['hotspots', 'all'] as const) {
        const started = process.cpuUsage();
        const report = await scan({ roots: [tree.root], os, scope, hash: { mode: 'all', algorithms: ['sha256'], maxSize: 1e9 }, now: () => new Date(0) });
        const cpu = process.cpuUsage(started);
        expect((cpu.user + cpu.system) / 1e6).toBeLessThan(CASE_BUDGET.cpuSeconds);
        const text = JSON.stringify(report);
        expect(text).not.toContain(tree.marker);
        const symlinkErrors = report.errors.filter((e) => e.code === 'ESYMLINK').map((e) => e.path);
        for (const link of tree.reachableLinks) expect(symlinkErrors.filter((p) => p === link)).toHaveLength(1);
        expect(report.meta.roots[0]!.symlinksSkipped).toBe(symlinkErrors.length);
        expect(report.meta.roots[0]!.otherDeviceSkipped).toBe(0);
        const found = new Set(report.findings.map((f) => f.path));
        expect(tree.insideFiles.filter((f) => !found.has(f))).toEqual([]);
        expect(report.findings.every((f) => !path.isAbsolute(f.path) && !f.path.split('/').includes('..'))).toBe(true);
      }
    }, 60_000);
  }
});
