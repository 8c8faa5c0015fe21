/** Walking past PATH_MAX through directory handles: every level reached, no handle left open. */
import { afterAll, expect, test } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { DirectoryFs } from '../../src/evidence/directory-fs.js';
import { HANDLES_AVAILABLE } from '../../src/evidence/paths.js';
import { walkDirectories, type WalkIssue, type WalkStats } from '../../src/walk/walker.js';
import { buildDeepTree } from '../hazards/boundary-cases.js';
import { removeTree, tempDir } from '../hazards/helpers.js';
import { describeIf } from '../helpers/corpus.js';

const openFds = (): number => readdirSync('/proc/self/fd').length;

describeIf(HANDLES_AVAILABLE, 'no /proc/self/fd')('deep trees through directory handles', () => {
  const base = tempDir('deepwalk');
  const tree = buildDeepTree(base, 2500); // about 5,000 bytes of path: beyond PATH_MAX
  afterAll(() => removeTree(base));

  const walk = () => {
    const issues: WalkIssue[] = [];
    const stats: WalkStats = { directories: 0, files: 0, symlinksSkipped: 0, specialSkipped: 0, otherDeviceSkipped: 0 };
    const fs = new DirectoryFs(tree.root);
    return { issues, stats, fs, gen: walkDirectories(fs, fs.root(), '', { crossMounts: false, issues, stats }) };
  };

  test('reaches the bottom with display paths relative to the root, and closes every handle', () => {
    const before = openFds();
    const { issues, stats, fs, gen } = walk();
    const files: string[] = [];
    let maxOpen = 0;
    for (const listing of gen) {
      for (const f of listing.files) files.push(f.relPath);
      maxOpen = Math.max(maxOpen, openFds() - before);
    }
    expect(issues).toEqual([]);
    expect(stats.directories).toBe(2501);
    expect(files).toEqual([tree.bottomRel]);
    // The bottom file opens by its entry (through handles), and handles stay bounded during the walk.
    const bottom = fs.lookup(`/${tree.bottomRel}`);
    expect(bottom?.type).toBe('file');
    const src = fs.open(bottom!);
    expect(src.size).toBeGreaterThanOrEqual(0);
    src.close();
    expect(maxOpen).toBeLessThanOrEqual(70);
    fs.close();
    expect(openFds()).toBe(before);
  });

  test('a walk abandoned half-way closes its handles too', () => {
    const before = openFds();
    const { gen, fs } = walk();
    let n = 0;
    for (const listing of gen) if (++n > 1500 && listing) break;
    fs.close();
    expect(openFds()).toBe(before);
  });
});
