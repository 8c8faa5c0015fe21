/**
 * `stagehunt scan disk.E01`: the demo tree copied into an ext4 file system (mke2fs -d, no mount),
 * scanned bare, inside an E01 and as a partition of an MBR disk, gives the same findings (path,
 * level, score, reasons) and the same --hash records as the scan of the directory; each file system
 * is its own root.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { collectionPath } from '../../src/evidence/image/fs/collection-zip.js';
import { DEMO_IMAGE, ensureDemoImage, runCli } from '../helpers/cli.js';
import { toolAvailable, describeIf, toolMissing } from '../helpers/corpus.js';
import { removeTree, tempDir } from '../hazards/helpers.js';
import { run } from './build-images.js';

const TOOLS = ['mke2fs', 'ewfacquire', 'sfdisk', 'zip', 'fls'];
const missing = TOOLS.filter((t) => !toolAvailable(t));

interface Report {
  meta: { roots: Array<{ path: string; label: string; os: string; filesScanned: number }>; hashes?: Array<{ path: string; status: string; hashes: Record<string, string> }> };
  findings: Array<{ path: string; root: string; level: string; score: number; reasons: Array<{ rule: string }>; fileId?: string }>;
  errors: unknown[];
}
const key = (f: Report['findings'][number]): string => `${f.path} ${f.level} ${f.score} ${f.reasons.map((r) => r.rule).sort().join(',')}`;

function scanJson(target: string): Report {
  const r = runCli(['scan', target, '-f', 'json', '-q'], { timeoutMs: 180_000 });
  expect([r.status, r.stderr]).toEqual([expect.any(Number), expect.any(String)]);
  expect(r.status === 0 || r.status === 1).toBe(true);
  return JSON.parse(r.stdout) as Report;
}

describeIf(missing.length === 0, toolMissing(missing.join(', ')))('scan of disk images', () => {
  let dir: string;
  let ext4: string;
  beforeAll(async () => {
    await ensureDemoImage();
    dir = tempDir('scan-image');
    ext4 = path.join(dir, 'demo.ext4');
    run('mke2fs', ['-q', '-F', '-t', 'ext4', '-d', DEMO_IMAGE, ext4, '64M']);
  }, 120_000);
  afterAll(() => removeTree(dir));

  test('bare ext4, E01 and an MBR partition give the directory scan findings', () => {
    const want = scanJson(DEMO_IMAGE);
    expect(want.findings.length).toBeGreaterThan(10);
    // a directory scan carries no entry id (inode numbers would differ between two copies)
    expect(want.findings.filter((f) => f.fileId !== undefined)).toEqual([]);
    // the inode of every path, as The Sleuth Kit lists it ('r/r 12:\tWindows/Temp/x')
    const inodeOf = new Map<string, string>();
    for (const line of run('fls', ['-r', '-p', ext4]).split('\n')) {
      const m = /^\S+ (?:\* )?(\d+):\t(.*)$/.exec(line);
      if (m && !line.includes(' * ')) inodeOf.set(m[2]!, m[1]!);
    }
    run('ewfacquire', ['-u', '-q', '-t', path.join(dir, 'demo'), '-f', 'encase6', '-c', 'deflate:fast', '-m', 'fixed', '-M', 'logical', ext4], '');
    const disk = path.join(dir, 'disk.raw');
    run('dd', ['if=/dev/zero', `of=${disk}`, 'bs=1M', 'count=66', 'status=none']);
    run('sfdisk', ['-q', '--no-reread', '--no-tell-kernel', disk], 'label: dos\nunit: sectors\n\nstart=2048, size=131072, type=83\n');
    run('dd', [`if=${ext4}`, `of=${disk}`, 'bs=512', 'seek=2048', 'conv=notrunc', 'status=none']);
    for (const [target, label] of [
      [ext4, 'demo.ext4'],
      [path.join(dir, 'demo.E01'), 'demo.E01'],
      [disk, 'disk.raw#p1'],
    ] as const) {
      const got = scanJson(target);
      expect(got.meta.roots.map((r) => [r.label, r.os])).toEqual([[label, 'windows']]);
      expect(got.meta.roots[0]!.filesScanned).toBe(want.meta.roots[0]!.filesScanned);
      expect(got.findings.map(key).sort()).toEqual(want.findings.map(key).sort());
      expect(new Set(got.findings.map((f) => f.root))).toEqual(new Set([label]));
      // each finding names its file's inode (fileId), the one fls lists for that path
      expect(got.findings.map((f) => [f.path, f.fileId])).toEqual(got.findings.map((f) => [f.path, inodeOf.get(f.path)]));
      expect(got.findings.every((f) => /^\d+$/.test(f.fileId ?? ''))).toBe(true);
      // --hash findings (the default) reopens each file inside the image by its entry
      const hashes = (r: Report): string[] => (r.meta.hashes ?? []).map((h) => `${h.path} ${h.status} ${h.hashes.sha256}`).sort();
      expect(hashes(got).length).toBeGreaterThan(5);
      expect(hashes(got)).toEqual(hashes(want));
    }
  }, 300_000);

  test('a Velociraptor collection ZIP (uploads/auto/C%3A/...) gives the directory scan findings', () => {
    const want = scanJson(DEMO_IMAGE);
    const stage = path.join(dir, 'collection');
    run('mkdir', ['-p', path.join(stage, 'uploads', 'auto')]);
    run('cp', ['-a', DEMO_IMAGE, path.join(stage, 'uploads', 'auto', 'C%3A')]);
    const zipFile = path.join(dir, 'Collection-HOST.zip');
    execFileSync('zip', ['-qr', '-X', zipFile, 'uploads'], { cwd: stage });
    const got = scanJson(zipFile);
    expect(got.meta.roots.map((r) => [r.label, r.os])).toEqual([['Collection-HOST.zip#C', 'windows']]);
    expect(got.meta.roots[0]!.filesScanned).toBe(want.meta.roots[0]!.filesScanned);
    expect(got.findings.map(key).sort()).toEqual(want.findings.map(key).sort());
  }, 300_000);

  test('a file without a readable file system: one line, exit 2', () => {
    const junk = path.join(dir, 'junk.bin');
    run('dd', ['if=/dev/zero', `of=${junk}`, 'bs=1k', 'count=64', 'status=none']);
    const r = runCli(['scan', junk]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/not a directory and no disk image with a readable file system: .*junk\.bin \(junk\.bin: no known file system\)/);
  });

  test('--output onto the image itself is refused', () => {
    const r = runCli(['scan', ext4, '-o', ext4]);
    expect(r.status).toBe(2);
  });
});

describe('collection path encodings', () => {
  test.each([
    ['uploads/auto/C%3A/Users/bob/x.txt', 'C', ['Users', 'bob', 'x.txt']],
    ['uploads/ntfs/%5C%5C.%5CC%3A/Windows/System32/config/SAM', 'C', ['Windows', 'System32', 'config', 'SAM']],
    ['uploads/auto/D%3A/a%25b%5Cc', 'D', ['a%b', 'c']],
    ['C/Users/bob/NTUSER.DAT', 'C', ['Users', 'bob', 'NTUSER.DAT']],
    ['C:/Users/x', 'C', ['Users', 'x']],
  ])('%s', (name, drive, parts) => {
    expect(collectionPath(name)).toEqual({ drive, parts });
  });
  test.each(['results/Foo.json', 'uploads/auto/C%3A/../../etc/passwd', 'readme.txt'])('%s is not a collected file', (name) => {
    expect(collectionPath(name)).toBeNull();
  });
});

const QEMU = toolAvailable('qemu-img') && toolAvailable('mke2fs');
describeIf(QEMU, toolMissing('qemu-img or mke2fs'))('child disks whose parent is not read', () => {
  test('a QCOW2 with a backing file and a VMDK child: the scan says why nothing is readable (one line, exit 2); a compressed QCOW2 is read', () => {
    const dir = tempDir('child-disks');
    try {
      const base = path.join(dir, 'base.raw');
      run('mke2fs', ['-q', '-F', '-t', 'ext4', base, '8M']);
      run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', base, path.join(dir, 'base.qcow2')]);
      run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', 'base.qcow2', '-F', 'qcow2', path.join(dir, 'child.qcow2')]);
      run('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', base, path.join(dir, 'base.vmdk')]);
      run('qemu-img', ['create', '-q', '-f', 'vmdk', '-b', 'base.vmdk', '-F', 'vmdk', path.join(dir, 'child.vmdk')]);
      for (const [child, why] of [
        ['child.qcow2', /backing file 'base\.qcow2' not followed/],
        ['child.vmdk', /child of 'base\.vmdk'; the parent is not read/],
      ] as const) {
        const r = runCli(['scan', path.join(dir, child)]);
        expect([child, r.status]).toEqual([child, 2]);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(why);
      }
      run('qemu-img', ['convert', '-c', '-f', 'raw', '-O', 'qcow2', base, path.join(dir, 'compressed.qcow2')]);
      const r = runCli(['image', path.join(dir, 'compressed.qcow2'), '-f', 'json']);
      const j = JSON.parse(r.stdout) as { container: { compressedClusters?: boolean }; volumes: Array<{ fileSystem: string; readable: boolean }> };
      expect([r.status, j.container.compressedClusters, j.volumes.map((v) => [v.fileSystem, v.readable])]).toEqual([0, true, [['ext4', true]]]);
    } finally {
      removeTree(dir);
    }
  }, 120_000);
});
