/**
 * Unreadable files and directories (root reads through DAC, so the CLI runs as nobody via
 * setpriv), and a sparse file claiming 2 TiB: reported or sampled, never read whole.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, closeSync, constants, mkdirSync, openSync, ftruncateSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { errorsFor, removeTree, scanJson, tempDir } from './helpers.js';
import { testIf } from '../helpers/corpus.js';

const AS_NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

/** True when we are root and nobody can run the CLI from this checkout. */
function canDropToNobody(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = spawnSync(AS_NOBODY[0]!, [...AS_NOBODY.slice(1), process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(path.join(process.cwd(), 'dist', 'cli', 'main.js'))})`]);
  return probe.status === 0;
}

// Decided while collecting, so that a machine where it cannot work shows a skip, not a pass.
// Root needs setpriv and a checkout readable by nobody; another user is bound by DAC directly.
const PERMISSIONS_TESTABLE = process.getuid?.() === 0 ? canDropToNobody() : true;

describe('unreadable files and directories', () => {
  let root: string;
  let usable = false;

  beforeAll(() => {
    root = tempDir('perm');
    chmodSync(root, 0o755);
    mkdirSync(path.join(root, 'locked-dir'));
    writeFileSync(path.join(root, 'locked-dir', 'inside.txt'), 'cannot see me\n');
    writeFileSync(path.join(root, 'locked-file.zip'), 'PK\u0003\u0004 unreadable');
    writeFileSync(path.join(root, 'open.txt'), 'readable\n');
    chmodSync(path.join(root, 'locked-dir'), 0o000);
    chmodSync(path.join(root, 'locked-file.zip'), 0o000);
    usable = canDropToNobody();
    if (!usable && process.getuid?.() === 0) console.warn('NOTICE: cannot run the CLI as nobody here (checkout not readable by others); permission cases are skipped');
    if (!usable && process.getuid?.() !== 0) {
      try {
        accessSync(path.join(root, 'locked-file.zip'), constants.R_OK);
      } catch {
        usable = true; // not root: DAC applies to us directly
      }
    }
  });

  afterAll(() => removeTree(root));

  testIf(PERMISSIONS_TESTABLE, 'cannot run the CLI as nobody here (checkout not readable by others)')('EACCES on a file and a directory is reported; the rest is scanned', async () => {
    expect(usable).toBe(true);
    const wrap = process.getuid?.() === 0 ? AS_NOBODY : [];
    const { report } = await scanJson(root, [], { timeoutMs: 30_000, wrap });
    expect(report.meta.roots[0]!.filesScanned).toBe(1);
    expect(errorsFor(report, 'locked-file.zip')).toEqual([expect.objectContaining({ op: 'open', code: 'EACCES' })]);
    expect(errorsFor(report, 'locked-dir')).toEqual([expect.objectContaining({ op: 'readdir', code: 'EACCES' })]);
  });
});

describe('sparse file claiming 2 TiB', () => {
  let root: string;
  const TWO_TIB = 2 * 1024 ** 4;

  beforeAll(() => {
    root = tempDir('sparse');
    mkdirSync(path.join(root, 'Windows', 'Temp'), { recursive: true });
    const fd = openSync(path.join(root, 'Windows', 'Temp', 'huge.bin'), 'w');
    // Random-looking head so the fingerprint wants head/middle/tail samples.
    const head = Buffer.alloc(8192);
    for (let i = 0; i < head.length; i++) head[i] = (i * 2654435761) >>> 24;
    writeSync(fd, head, 0, head.length, 0);
    ftruncateSync(fd, TWO_TIB);
    closeSync(fd);
    writeFileSync(path.join(root, 'Windows', 'Temp', 'small.txt'), 'next to it\n');
  });

  afterAll(() => removeTree(root));

  test('is fingerprinted from samples in seconds, not read whole', async () => {
    const { run, report } = await scanJson(root, [], { timeoutMs: 30_000 });
    expect(run.ms).toBeLessThan(30_000);
    expect(report.meta.roots[0]!.filesScanned).toBe(2);
    // Head plus a few bounded samples per parser: far below even 1 GiB.
    expect(report.meta.roots[0]!.bytesRead).toBeLessThan(1024 ** 3);
  });
});
