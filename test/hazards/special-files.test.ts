/**
 * Symlinks (loops, links out of the root), FIFOs, sockets and device nodes: never followed,
 * never opened, never blocking; each one reported, every ordinary file still scanned.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { errorsFor, removeTree, scanJson, tempDir, type ScanJson } from './helpers.js';
import { buildZip } from '../../fixtures/lib/zip-writer.mjs';
import { testIf } from '../helpers/corpus.js';

const ORDINARY_FILES = 3;

/** Device nodes need CAP_MKNOD (root outside a user namespace): probed while collecting, so a skip is visible. */
function canMknod(): boolean {
  const dir = tempDir('mknod-probe');
  try {
    return spawnSync('mknod', [path.join(dir, 'probe'), 'c', '1', '3']).status === 0;
  } finally {
    removeTree(dir);
  }
}
const CAN_MKNOD = canMknod();

describe('special files and links', () => {
  let root: string;
  let outside: string;
  let server: net.Server | null = null;
  let devicesMade = false;
  let report: ScanJson;
  let ms = 0;

  beforeAll(async () => {
    root = tempDir('special');
    outside = tempDir('outside');
    // Outside the root: a staged-looking archive that must never be reached through a link.
    writeFileSync(path.join(outside, 'secret.zip'), buildZip({ entries: [{ name: 'x.txt', data: 'outside' }] }));
    mkdirSync(path.join(root, 'Windows', 'Temp'), { recursive: true });
    mkdirSync(path.join(root, 'data'));
    writeFileSync(path.join(root, 'data', 'a.txt'), 'ordinary text\n');
    writeFileSync(path.join(root, 'data', 'b.log'), 'log line\n'.repeat(50));
    writeFileSync(path.join(root, 'Windows', 'Temp', 'c.txt'), 'temp\n');
    symlinkSync('.', path.join(root, 'data', 'loop'));
    symlinkSync('..', path.join(root, 'data', 'up'));
    symlinkSync(outside, path.join(root, 'data', 'out-dir'));
    symlinkSync(path.join(outside, 'secret.zip'), path.join(root, 'Windows', 'Temp', 'out-file.zip'));
    symlinkSync('/nonexistent/target', path.join(root, 'data', 'dangling'));
    expect(spawnSync('mkfifo', [path.join(root, 'data', 'pipe.zip')]).status).toBe(0);
    server = net.createServer();
    await new Promise<void>((resolve) => server!.listen(path.join(root, 'data', 'sock'), resolve));
    // Device nodes need CAP_MKNOD (root outside a user namespace).
    devicesMade =
      spawnSync('mknod', [path.join(root, 'data', 'null-dev'), 'c', '1', '3']).status === 0 &&
      spawnSync('mknod', [path.join(root, 'data', 'loop-dev'), 'b', '7', '0']).status === 0;
    if (!devicesMade) console.warn('NOTICE: mknod not permitted here; device-node cases are skipped');
    const r = await scanJson(root, [], { timeoutMs: 30_000 });
    report = r.report;
    ms = r.run.ms;
  });

  afterAll(() => {
    server?.close();
    removeTree(root);
    removeTree(outside);
  });

  test('completes quickly (a FIFO open would block forever)', () => {
    expect(ms).toBeLessThan(30_000);
  });

  test('every ordinary file is scanned, nothing through a link', () => {
    expect(report.meta.roots[0]!.filesScanned).toBe(ORDINARY_FILES);
    expect(report.findings.some((f) => f.path.includes('secret') || f.path.includes('out-file') || f.path.includes('loop/'))).toBe(false);
  });

  test('links are counted as skipped, never entered', () => {
    expect(report.meta.roots[0]!.symlinksSkipped).toBe(5);
    expect(report.errors.some((e) => e.path.includes('loop/') || e.path.includes('out-dir/'))).toBe(false);
  });

  test('FIFO and socket are reported and not opened', () => {
    expect(errorsFor(report, 'pipe.zip')).toEqual([expect.objectContaining({ op: 'skip', code: 'ESPECIAL', message: expect.stringContaining('FIFO') })]);
    expect(errorsFor(report, 'data/sock')).toEqual([expect.objectContaining({ op: 'skip', code: 'ESPECIAL', message: expect.stringContaining('socket') })]);
  });

  testIf(CAN_MKNOD, 'mknod not permitted here (needs CAP_MKNOD)')('device nodes are reported and not opened', () => {
    expect(devicesMade).toBe(true);
    expect(errorsFor(report, 'null-dev')).toEqual([expect.objectContaining({ code: 'ESPECIAL', message: expect.stringContaining('character device') })]);
    expect(errorsFor(report, 'loop-dev')).toEqual([expect.objectContaining({ code: 'ESPECIAL', message: expect.stringContaining('block device') })]);
    expect(report.meta.roots[0]!.specialFilesSkipped).toBe(4);
  });
});
