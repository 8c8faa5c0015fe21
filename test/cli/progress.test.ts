/** Progress: a line with rate, percent and ETA on a TTY; nothing at all on a piped stderr. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeProgress, progressLine } from '../../src/cli/progress.js';
import { precountFiles } from '../../src/evidence/precount.js';
import { DEMO_IMAGE, ensureDemoImage } from '../helpers/cli.js';
import { removeTree, runStagehunt, tempDir } from '../hazards/helpers.js';

describe('progress line', () => {
  test('shows files of the total, percent, rate and ETA', () => {
    expect(progressLine(2500, 10 * 1048576, 7, 1000, 10_000, 'walk')).toBe('scanning 2,500/10,000 files (25%), 10.0 MB read, 7 candidates, 2,500 files/s, ETA 0:03');
    expect(progressLine(2500, 0, 0, 1000, null, 'walk')).toBe('scanning 2,500 files, 0.0 MB read, 0 candidates, 2,500 files/s');
    expect(progressLine(9000, 0, 0, 3_000_000, 10_000_000, 'walk')).toMatch(/ETA 925:05:33$/);
    // scan --carve: the free space read of its total, while the volume's files are all walked.
    expect(progressLine(2500, 0, 3, 1000, 2500, 'carve', { read: 3 * 1024 ** 3, total: 12 * 1024 ** 3 })).toBe('scanning (carving free space: 3.0 of 12.0 GB, 25%) 2,500/2,500 files (100%), 0.0 MB read, 3 candidates, 2,500 files/s');
  });

  test('redraws at most once per interval and sums over roots', () => {
    let clock = 0;
    const writes: string[] = [];
    const stream = { write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream;
    const progress = makeProgress(stream, { intervalMs: 250, expectedFiles: 400, now: () => clock });
    clock = 300;
    progress({ root: 'a', files: 100, bytes: 0, findings: 1, phase: 'walk' });
    clock = 310;
    progress({ root: 'b', files: 50, bytes: 0, findings: 0, phase: 'walk' });
    clock = 600;
    progress({ root: 'b', files: 100, bytes: 0, findings: 2, phase: 'walk' });
    expect(writes).toHaveLength(2);
    expect(writes[1]).toContain('200/400 files (50%)');
    expect(writes[1]).toContain('3 candidates');
    expect(writes[1]!.startsWith('\r\u001b[K')).toBe(true);
  });
});

describe('periodic progress (stderr not a terminal: CI logs)', () => {
  test('one plain line every 10 s, none before the first interval, never a carriage return or escape', () => {
    let clock = 0;
    const writes: string[] = [];
    const stream = { write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream;
    const progress = makeProgress(stream, { mode: 'periodic', expectedFiles: null, now: () => clock });
    const at = (t: number, files: number, phase: 'walk' | 'correlate' = 'walk'): void => {
      clock = t;
      progress({ root: 'a', files, bytes: 1048576, findings: 0, phase });
    };
    at(5_000, 10);
    at(9_999, 20, 'correlate');
    expect(writes).toEqual([]);
    at(10_000, 30);
    at(15_000, 40);
    at(20_500, 50);
    expect(writes).toHaveLength(2);
    for (const w of writes) {
      expect(w).toMatch(/^stagehunt: scanning \d+ files, 1\.0 MB read, .* files\/s\n$/);
      expect(w).not.toMatch(/[\r\u001b]/);
    }
    expect(writes[1]).toContain('50 files');
  });
});

describe('precountFiles', () => {
  let root: string;
  beforeAll(() => {
    root = tempDir('precount');
    mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
    for (const f of ['x', 'a/y', 'a/b/z']) writeFileSync(path.join(root, f), '1');
    symlinkSync('..', path.join(root, 'a', 'loop'));
  });
  afterAll(() => removeTree(root));

  test('counts regular files without following links; gives up past its budget', () => {
    expect(precountFiles([root])).toBe(3);
    let t = 0;
    expect(precountFiles([root], 5, () => (t += 10))).toBeNull();
  });
});

describe('piped stderr', () => {
  test('a scan writes nothing to stderr when it is not a TTY', async () => {
    await ensureDemoImage();
    const run = await runStagehunt(['scan', DEMO_IMAGE, '--scope', 'all', '--format', 'json']);
    expect(run.status).toBe(0);
    expect(run.stdout.length).toBeGreaterThan(100);
    expect(run.stderr).toBe('');
  }, 60_000);
});
