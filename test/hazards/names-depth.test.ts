/**
 * Hostile names and shapes: newlines, ANSI escapes, invalid UTF-8, 255-byte names, 1,000-level
 * nesting, and paths longer than PATH_MAX (4096 bytes). The scan completes, shows names safely,
 * and reaches paths beyond PATH_MAX through directory handles (evidence/paths.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { removeTree, runStagehunt, scanJson, tempDir, type ScanJson } from './helpers.js';
import { buildZip } from '../../fixtures/lib/zip-writer.mjs';

const NESTING = 1000;
const LONG_LEVELS = 20; // 20 x 250-byte names: beyond PATH_MAX
const ZIP = buildZip({ entries: [{ name: 'docs/a.txt', data: 'payload '.repeat(100) }] });

describe('hostile names and deep trees', () => {
  let root: string;
  let report: ScanJson;
  const temp = (): string => path.join(root, 'Windows', 'Temp');
  let expectedFiles = 0;

  beforeAll(async () => {
    root = tempDir('names');
    mkdirSync(temp(), { recursive: true });
    const put = (p: string | Buffer, data: string | Buffer): void => {
      writeFileSync(p, data);
      expectedFiles++;
    };
    put(path.join(temp(), 'new\nline.zip'), ZIP);
    put(path.join(temp(), 'esc\u001b[31mred\u001b[0m\u0007.zip'), ZIP);
    put(Buffer.concat([Buffer.from(temp() + '/bad'), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('.zip')]), ZIP);
    put(path.join(temp(), `${'n'.repeat(251)}.zip`), ZIP);
    // 1,000 nested one-letter directories with a file at the bottom (about 2 KB of path).
    const bottom = path.join(root, ...Array<string>(NESTING).fill('d'));
    mkdirSync(bottom, { recursive: true });
    put(path.join(bottom, 'bottom.txt'), 'bottom\n');
    // A chain beyond PATH_MAX: made with relative cd, unreachable by absolute path.
    const name = 'L'.repeat(250);
    const long = spawnSync('bash', ['-c', `cd "$1" && for i in $(seq ${LONG_LEVELS}); do mkdir ${name} && cd ${name} || exit 1; done && echo far > far.txt`, 'x', root]);
    expect(long.status).toBe(0);
    expectedFiles++; // far.txt, about 5,000 bytes of path below the root
    report = (await scanJson(root, [], { timeoutMs: 60_000 })).report;
  }, 120_000);

  afterAll(() => removeTree(root));

  test('every reachable file is scanned, including the bottom of 1,000 levels', () => {
    expect(report.meta.roots[0]!.filesScanned).toBe(expectedFiles);
    expect(report.meta.roots[0]!.directories).toBeGreaterThan(NESTING);
  });

  test('paths beyond PATH_MAX are walked through directory handles, not lost to ENAMETOOLONG', () => {
    expect(report.errors.filter((e) => e.code === 'ENAMETOOLONG')).toEqual([]);
    expect(report.errors).toEqual([]);
  });

  test('names with newlines, escapes and invalid UTF-8 become findings with safe, exact paths', () => {
    const paths = report.findings.map((f) => f.path);
    expect(paths).toContain('Windows/Temp/new\nline.zip');
    expect(paths).toContain('Windows/Temp/esc\u001b[31mred\u001b[0m\u0007.zip');
    expect(paths).toContain('Windows/Temp/bad\\xff\\xfe\\x80.zip');
    expect(paths).toContain(`Windows/Temp/${'n'.repeat(251)}.zip`);
  });

  test('table output shows those names without raw control characters', async () => {
    // --verbose: the default view cuts long paths in the middle to fit 80 columns; the verbose one shows them whole.
    const run = await runStagehunt(['scan', root, '--scope', 'all', '--format', 'table', '--min-level', 'info', '--quiet', '--verbose'], { timeoutMs: 60_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).not.toMatch(/[\u0007\u001b]/);
    expect(run.stdout).toMatch(/esc.{1,12}red/);
  }, 90_000);
});
