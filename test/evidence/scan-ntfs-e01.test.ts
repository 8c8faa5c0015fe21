/**
 * The demo tree in an NTFS file system packed as an E01 (issue 12): `stagehunt scan demo.E01` gives
 * the findings (kind, path, level, score, rules) of the scan of the directory. NTFS needs
 * directories, which no Debian tool writes without a mount (ntfscp writes into the root only): the
 * volume is filled through ntfs-3g (FUSE, root), then unmounted and packed with ewfacquire -u; the
 * scan itself reads the E01 without any mount. Skipped visibly where FUSE cannot be mounted.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { DEMO_IMAGE, ensureDemoImage, runCli } from '../helpers/cli.js';
import { describeIf, toolAvailable } from '../helpers/corpus.js';
import { removeTree, tempDir } from '../hazards/helpers.js';
import { run } from './build-images.js';

const TOOLS = ['mkntfs', 'ntfs-3g', 'ewfacquire', 'umount', 'ffind'];
const missing = TOOLS.filter((t) => !toolAvailable(t));
/** A FUSE mount needs /dev/fuse and root (or the fuse group): a capability, not a package. */
const canMount = existsSync('/dev/fuse') && process.getuid?.() === 0;
const READY = missing.length === 0 && canMount;

interface Report {
  meta: { roots: Array<{ label: string; os: string; filesScanned: number }> };
  findings: Array<{ kind: string; path: string; level: string; score: number; reasons: Array<{ rule: string }>; fileId?: string }>;
}
const key = (f: Report['findings'][number]): string => `${f.kind} ${f.path} ${f.level} ${f.score} ${f.reasons.map((r) => r.rule).sort().join(',')}`;

function scanJson(target: string): Report {
  const r = runCli(['scan', target, '-f', 'json', '-q'], { timeoutMs: 180_000 });
  expect([r.status === 0 || r.status === 1, r.stderr]).toEqual([true, '']);
  return JSON.parse(r.stdout) as Report;
}

describeIf(READY, missing.length ? `tools missing: ${missing.join(', ')}` : 'FUSE mount not possible here (needs /dev/fuse and root)')('scan of the demo image as an NTFS E01', () => {
  let dir: string;
  let e01: string;
  beforeAll(async () => {
    await ensureDemoImage();
    dir = tempDir('ntfs-e01');
    const img = path.join(dir, 'demo.ntfs');
    const mnt = path.join(dir, 'mnt');
    mkdirSync(mnt);
    run('truncate', ['-s', '64M', img]);
    run('mkntfs', ['-F', '-Q', '-q', '-L', 'DEMO', img]);
    run('ntfs-3g', [img, mnt]);
    try {
      run('cp', ['-a', `${DEMO_IMAGE}/.`, mnt]);
    } finally {
      run('umount', [mnt]);
    }
    run('ewfacquire', ['-u', '-q', '-t', path.join(dir, 'demo'), '-f', 'encase6', '-c', 'deflate:fast', '-m', 'fixed', '-M', 'logical', img], '');
    e01 = path.join(dir, 'demo.E01');
  }, 180_000);
  afterAll(() => removeTree(dir));

  test('same findings as the directory scan, each with its MFT reference', () => {
    const want = scanJson(DEMO_IMAGE);
    const got = scanJson(e01);
    expect(got.meta.roots.map((r) => [r.label, r.os])).toEqual([['demo.E01', 'windows']]);
    expect(got.meta.roots[0]!.filesScanned).toBe(want.meta.roots[0]!.filesScanned);
    expect(want.findings.length).toBeGreaterThan(10);
    expect(got.findings.map(key).sort()).toEqual(want.findings.map(key).sort());
    // the NTFS entry behind each finding: `entry-sequence`, as istat takes its entry number
    expect(got.findings.filter((f) => !/^\d+-\d+$/.test(f.fileId ?? ''))).toEqual([]);
    const somePath = got.findings.find((f) => f.kind === 'file')!;
    const entry = somePath.fileId!.split('-')[0]!;
    expect(run('ffind', [path.join(dir, 'demo.ntfs'), entry]).trim()).toBe(`/${somePath.path}`);
  }, 300_000);
});
