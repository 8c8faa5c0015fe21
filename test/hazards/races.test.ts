/**
 * Files that change between the walk (lstat) and the read: they vanish, turn into a FIFO, a
 * symlink or a directory, shrink or grow after open. An injected hook in the evidence reader
 * makes each race happen deterministically. The scan completes, reports each one, loses nothing.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, realpathSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as actualReader from '../../src/evidence/reader.js';
import { removeTree, tempDir } from './helpers.js';
import type { ScanReport } from '../../src/model/report.js';

type Action = (abs: string) => void;
const BEFORE_OPEN: Record<string, Action> = {
  'vanish.zip': (p) => unlinkSync(p),
  'to-fifo.zip': (p) => {
    unlinkSync(p);
    // mkfifo runs in another process: the path as the host names it (a walk opens files through /proc/self/fd/N/).
    spawnSync('mkfifo', [path.join(realpathSync(path.dirname(p)), path.basename(p))]);
  },
  'to-link.zip': (p) => {
    unlinkSync(p);
    symlinkSync('/etc/hostname', p);
  },
  'to-dir.zip': (p) => {
    unlinkSync(p);
    mkdirSync(p);
  },
};
const AFTER_OPEN: Record<string, Action> = {
  'shrink.bin': (p) => truncateSync(p, 100),
  'grow.log': (p) => appendFileSync(p, Buffer.alloc(1024 * 1024, 0x41)),
};
const opened = new Map<number, string>();

jest.unstable_mockModule('../../src/evidence/reader.js', () => ({
  ...actualReader,
  openEvidenceFile: (abs: string | Buffer, display: string, audit: actualReader.AtimeAudit) => {
    const p = String(abs);
    BEFORE_OPEN[path.basename(p)]?.(p);
    const file = actualReader.openEvidenceFile(abs, display, audit);
    opened.set(file.fd, p);
    return file;
  },
  readSourceHead: (src: { fd?: number }, length: number) => {
    const p = src.fd === undefined ? undefined : opened.get(src.fd);
    if (p) AFTER_OPEN[path.basename(p)]?.(p);
    return actualReader.readSourceHead(src as Parameters<typeof actualReader.readSourceHead>[0], length);
  },
}));

function randomish(n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = 0x12345678;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

describe('files changing between walk and read', () => {
  let root: string;
  let report: ScanReport;
  const names = [...Object.keys(BEFORE_OPEN), ...Object.keys(AFTER_OPEN), 'steady-1.txt', 'steady-2.txt'];

  beforeAll(async () => {
    root = tempDir('races');
    const dir = path.join(root, 'Windows', 'Temp');
    mkdirSync(dir, { recursive: true });
    for (const n of names) writeFileSync(path.join(dir, n), n.endsWith('.bin') ? randomish(256 * 1024) : n.endsWith('.zip') ? Buffer.from('PK\u0003\u0004') : 'steady text\n');
    const { scan } = await import('../../src/pipeline/scan.js');
    report = await scan({ roots: [root], os: 'auto', scope: 'all', minLevel: 'info' });
  });

  afterAll(() => removeTree(root));

  const errorsOf = (name: string): ScanReport['errors'] => report.errors.filter((e) => e.path.endsWith(`/${name}`) && e.op !== 'parse');

  test('vanished file: ENOENT on open, its message naming the file by its path in the root', () => {
    expect(errorsOf('vanish.zip')).toEqual([expect.objectContaining({ op: 'open', code: 'ENOENT', message: "ENOENT: no such file or directory, open 'Windows/Temp/vanish.zip'" })]);
  });

  test('swapped for a FIFO or a directory: opened non-blocking, refused after fstat', () => {
    expect(errorsOf('to-fifo.zip')).toEqual([expect.objectContaining({ op: 'open', code: 'ESPECIAL' })]);
    expect(errorsOf('to-dir.zip')).toEqual([expect.objectContaining({ op: 'open', code: 'ESPECIAL' })]);
  });

  test('swapped for a symlink: O_NOFOLLOW refuses it (ELOOP)', () => {
    expect(errorsOf('to-link.zip')).toEqual([expect.objectContaining({ op: 'open', code: 'ELOOP' })]);
  });

  test('shrunk or grown after open: scanned from what is there, no crash', () => {
    expect(errorsOf('shrink.bin')).toEqual([]);
    expect(errorsOf('grow.log')).toEqual([]);
  });

  test('nothing lost: every other file is scanned', () => {
    expect(report.meta.roots[0]!.filesScanned).toBe(names.length - Object.keys(BEFORE_OPEN).length);
  });
});
