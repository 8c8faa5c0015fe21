/** Walking past PATH_MAX through directory handles: every level reached, no handle left open. */
import { afterAll, expect, test } from '@jest/globals';
import { readdirSync, statSync } from 'node:fs';
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
    return { issues, stats, gen: walkDirectories(tree.root, '', { rootDev: statSync(tree.root).dev, crossMounts: false, issues, stats }) };
  };

  test('reaches the bottom with display paths relative to the root, and closes every handle', () => {
    const before = openFds();
    const { issues, stats, gen } = walk();
    const files: string[] = [];
    for (const listing of gen) for (const f of listing.files) files.push(f.rel);
    expect(issues).toEqual([]);
    expect(stats.directories).toBe(2501);
    expect(files).toEqual([tree.bottomRel]);
    expect(openFds()).toBe(before);
  });

  test('a walk abandoned half-way closes its handles too', () => {
    const before = openFds();
    const { gen } = walk();
    let n = 0;
    for (const listing of gen) if (++n > 1500 && listing) break;
    expect(openFds()).toBe(before);
  });
});
