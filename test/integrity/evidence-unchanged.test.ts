/**
 * Evidence integrity: after a full scan of the demo image every file keeps its bytes, size,
 * mode, mtime and atime (opened with O_NOATIME), nothing is added or removed inside the root,
 * and --output inside a root (directly or through a symlink) is refused with exit 2.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { diffSnapshots, snapshotTree } from '../../bench/lib/snapshot.mjs';
import { DEMO_IMAGE, ensureDemoImage } from '../helpers/cli.js';
import { removeTree, runStagehunt, tempDir } from '../hazards/helpers.js';

describe('evidence integrity on the demo image', () => {
  let before: Map<string, string>;
  let work: string;
  let image: string;

  beforeAll(async () => {
    await ensureDemoImage();
    work = tempDir('integrity');
    // A copy whose atimes are a year old: on a relatime mount any ordinary read would move them,
    // so an unchanged atime proves O_NOATIME (the shared demo image may have fresh atimes).
    image = path.join(work, 'image');
    expect(spawnSync('cp', ['-a', DEMO_IMAGE, image]).status).toBe(0);
    expect(spawnSync('find', [image, '-type', 'f', '-exec', 'touch', '-a', '-d', '2025-01-01T00:00:00Z', '{}', '+']).status).toBe(0);
    before = snapshotTree(image);
  });

  afterAll(() => removeTree(work));

  test('a full scan leaves every byte, size, mtime and atime as it was', async () => {
    expect(before.size).toBeGreaterThan(20);
    const run = await runStagehunt(['scan', image, '--scope', 'all', '--format', 'json', '--output', path.join(work, 'report.json'), '--quiet']);
    expect(run.status).toBe(0);
    expect(existsSync(path.join(work, 'report.json'))).toBe(true);
    expect(diffSnapshots(before, snapshotTree(image))).toEqual([]);
  }, 120_000);

  test('--output inside the root is refused (exit 2) and nothing is written there', async () => {
    const target = path.join(image, 'Windows', 'Temp', 'report.json');
    const run = await runStagehunt(['scan', image, '--format', 'json', '--output', target]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/refus/i);
    expect(existsSync(target)).toBe(false);
    expect(diffSnapshots(before, snapshotTree(image))).toEqual([]);
  }, 60_000);

  test('--output through a symlink that leads into the root is refused too', async () => {
    const link = path.join(work, 'into-image');
        symlinkSync(path.join(image, 'Users'), link);
    const run = await runStagehunt(['scan', image, '--format', 'json', '--output', path.join(link, 'r.json')]);
    expect(run.status).toBe(2);
    expect(existsSync(path.join(image, 'Users', 'r.json'))).toBe(false);
    expect(diffSnapshots(before, snapshotTree(image))).toEqual([]);
  }, 60_000);
});
