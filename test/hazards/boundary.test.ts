/**
 * Issue 18, evidence boundary and output safety: links inside hotspot paths, invalid UTF-8 name
 * decoys, output inside a root through `..x`, output to links and devices, 5,000 nested
 * directories, hard links, and the O_NOATIME warning. Each case is built by a generator
 * (boundary-cases.ts) and its scan must end within CASE_BUDGET (10 s CPU, 300 MB).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CASE_BUDGET, removeTree, runMeasured, runStagehunt, tempDir, type Measured, type ScanJson } from './helpers.js';
import { buildDeepTree, buildHardLink, buildLinkedRoots, buildNameDecoy, buildOutputCase, type LinkedRoots } from './boundary-cases.js';
import { testIf } from '../helpers/corpus.js';

interface FullScan extends ScanJson {
  meta: ScanJson['meta'] & { hashes?: Array<{ path: string; status: string; hashes: { sha256?: string }; message?: string }>; roots: Array<ScanJson['meta']['roots'][number] & { otherDeviceSkipped: number }> };
  findings: Array<ScanJson['findings'][number] & { id: string }>;
}

function withinBudget(m: Measured): void {
  expect(m.run.timedOut).toBe(false);
  expect(m.cpuSeconds).toBeLessThan(CASE_BUDGET.cpuSeconds);
  expect(m.maxRssMb).toBeLessThan(CASE_BUDGET.maxRssMb);
}

async function scan(root: string, extra: string[]): Promise<{ m: Measured; report: FullScan }> {
  const m = await runMeasured(['scan', root, '--format', 'json', '--min-level', 'info', '--quiet', ...extra], { timeoutMs: 60_000 });
  if (m.run.status !== 0) throw new Error(`scan failed (${m.run.status}): ${m.run.stderr.slice(0, 2000)}`);
  return { m, report: JSON.parse(m.run.stdout) as FullScan };
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('item 1: symbolic links inside hotspot start paths are never followed', () => {
  let base: string;
  let c: LinkedRoots;
  beforeAll(() => {
    base = tempDir('links');
    c = buildLinkedRoots(base);
  });
  afterAll(() => removeTree(base));

  for (const scope of ['hotspots', 'all'] as const) {
    for (const layout of ['windows', 'linux'] as const) {
      test(`${layout} layout, --scope ${scope}: nothing outside is reported or hashed; each link counted and listed once`, async () => {
        const { m, report } = await scan(c[layout], ['--scope', scope, '--hash', 'all']);
        withinBudget(m);
        expect(m.run.stdout).not.toContain(c.outsideMarker);
        expect(report.findings.map((f) => f.path)).toContain(c.inside[layout]);
        const listed = report.errors.filter((e) => e.code === 'ESYMLINK').map((e) => e.path).sort();
        expect(listed).toEqual(c.links[layout]);
        expect(report.meta.roots[0]!.symlinksSkipped).toBe(c.links[layout].length);
        // The host's /dev (another file system) is never walked through ROOT/dev.
        expect(report.meta.roots[0]!.filesScanned).toBeLessThan(20);
      }, 90_000);
    }
  }

  test('explain and parse with --root refuse a file reached through a link inside the root', async () => {
    const through = path.join(c.windows, 'Windows', 'Temp', `${c.outsideMarker}.zip`);
    for (const args of [['explain', through, '--root', c.windows], ['parse', through, '--root', c.windows]]) {
      const run = await runStagehunt(args, { timeoutMs: 30_000 });
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/Windows inside the root: symbolic link/);
    }
    // The same file named by its real path is fine when no --root says otherwise.
    const ok = await runStagehunt(['explain', path.join(base, 'OUTSIDE', 'Temp', `${c.outsideMarker}.zip`), '--format', 'json'], { timeoutMs: 30_000 });
    expect(ok.status).toBe(0);
  }, 60_000);
});

describe('item 2: invalid UTF-8 names are escaped injectively and hashed by identity', () => {
  let base: string;
  let c: ReturnType<typeof buildNameDecoy>;
  let report: FullScan;
  beforeAll(async () => {
    base = tempDir('decoy');
    c = buildNameDecoy(base);
    const r = await scan(c.root, ['--scope', 'all', '--hash', 'all']);
    withinBudget(r.m);
    report = r.report;
  }, 90_000);
  afterAll(() => removeTree(base));

  test('the raw 0xff name and its literal decoy get different paths and ids', () => {
    const real = report.findings.find((f) => f.path === 'Windows/Temp/bad\\xff.zip');
    const decoy = report.findings.find((f) => f.path === 'Windows/Temp/bad\\\\xff.zip');
    expect(real).toBeDefined();
    expect(decoy).toBeDefined();
    expect(real!.id).not.toBe(decoy!.id);
  });

  test('each hash record carries the SHA-256 of its own file', () => {
    const byPath = new Map((report.meta.hashes ?? []).map((h) => [h.path, h]));
    expect(byPath.get('Windows/Temp/bad\\xff.zip')).toMatchObject({ status: 'hashed', hashes: { sha256: sha256(c.real) } });
    expect(byPath.get('Windows/Temp/bad\\\\xff.zip')).toMatchObject({ status: 'hashed', hashes: { sha256: sha256(c.decoy) } });
  });
});

describe('items 3 and 4: output never lands in a root, never replaces a link or a device', () => {
  let base: string;
  let c: ReturnType<typeof buildOutputCase>;
  beforeAll(() => {
    base = tempDir('output');
    c = buildOutputCase(base);
  });
  afterAll(() => removeTree(base));

  const refused = (run: { status: number | null; stderr: string }, why: RegExp): void => {
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(why);
  };

  test('--output and --report inside a root through a directory named ..evil are refused, nothing written', async () => {
    refused(await runStagehunt(['scan', c.root, '-f', 'json', '-o', path.join(c.evilDir, 'out.json')]), /inside the evidence root/);
    refused(await runStagehunt(['scan', c.root, '--report', path.join(c.evilDir, 'r.html')]), /inside the evidence root/);
    expect(readdirSync(c.evilDir)).toEqual([]);
  }, 60_000);

  test('a symbolic link as --output (even to /proc/self/fd/1) is refused and left as it is', async () => {
    const link = path.join(c.out, 'to-stdout');
    symlinkSync('/proc/self/fd/1', link);
    refused(await runStagehunt(['scan', c.root, '-f', 'json', '-o', link]), /symbolic link/);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('/proc/self/fd/1');
    const dangling = path.join(c.out, 'dangling.json');
    symlinkSync(path.join(c.out, 'nowhere.json'), dangling);
    refused(await runStagehunt(['scan', c.root, '-f', 'json', '-o', dangling]), /symbolic link/);
    expect(existsSync(path.join(c.out, 'nowhere.json'))).toBe(false);
    refused(await runStagehunt(['scan', c.root, '-f', 'json', '-o', c.out]), /directory/);
  }, 60_000);

  test('a character device is written in place, never replaced', async () => {
    // As root, a private null device in the temp dir; otherwise /dev/null (which we cannot replace).
    let device = '/dev/null';
    if (process.getuid?.() === 0 && spawnSync('mknod', [path.join(c.out, 'null'), 'c', '1', '3']).status === 0) device = path.join(c.out, 'null');
    const run = await runStagehunt(['scan', c.root, '-f', 'json', '-o', device]);
    expect(run.status).toBe(0);
    expect(lstatSync(device).isCharacterDevice()).toBe(true);
    expect(readdirSync(path.dirname(device)).filter((n) => n.includes('tmp-stagehunt'))).toEqual([]);
  }, 60_000);

  test('a FIFO is written in place; /dev/stdout is stdout; a regular file is replaced atomically', async () => {
    const fifo = path.join(c.out, 'pipe.json');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = spawnSync('bash', ['-c', `cat "$1" > "$2" & node "$3" scan "$4" -f json -q -o "$1"; wait`, 'x', fifo, path.join(c.out, 'from-fifo.json'), path.join(process.cwd(), 'bin', 'stagehunt.js'), c.root], { timeout: 60_000 });
    expect(reader.status).toBe(0);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(JSON.parse(readFileSync(path.join(c.out, 'from-fifo.json'), 'utf8')).meta.tool).toBe('stagehunt');
    const toStdout = await runStagehunt(['scan', c.root, '-f', 'json', '-q', '-o', '/dev/stdout']);
    expect(toStdout.status).toBe(0);
    expect(JSON.parse(toStdout.stdout).meta.tool).toBe('stagehunt');
    const file = path.join(c.out, 'plain.json');
    writeFileSync(file, 'old');
    expect((await runStagehunt(['scan', c.root, '-f', 'json', '-q', '-o', file])).status).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).meta.tool).toBe('stagehunt');
  }, 90_000);
});

describe('also: deep trees, hard links, O_NOATIME', () => {
  let base: string;
  beforeAll(() => {
    base = tempDir('also');
  });
  afterAll(() => removeTree(base));

  test('5,000 nested directories are walked to the bottom (no ENAMETOOLONG), and the bottom file is hashed', async () => {
    const deep = buildDeepTree(base, 5000);
    const { m, report } = await scan(deep.root, ['--scope', 'all', '--hash', 'all']);
    withinBudget(m);
    expect(report.errors).toEqual([]);
    expect(report.meta.roots[0]!.directories).toBe(5001);
    expect(report.findings.map((f) => f.path)).toContain(deep.bottomRel);
    expect(report.meta.hashes?.find((h) => h.path === deep.bottomRel)).toMatchObject({ status: 'hashed' });
  }, 120_000);

  test('a file in a hotspot with another hard link is scanned with a note', async () => {
    const hard = buildHardLink(base);
    const { m, report } = await scan(hard.root, ['--scope', 'hotspots']);
    withinBudget(m);
    expect(report.findings.map((f) => f.path)).toContain(hard.rel);
    expect(report.errors).toContainEqual(expect.objectContaining({ path: hard.rel, op: 'note', code: 'ENLINK' }));
  }, 60_000);

  const AS_NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
  const nobodyCanRun =
    process.getuid?.() === 0 &&
    spawnSync(AS_NOBODY[0]!, [...AS_NOBODY.slice(1), process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(path.join(process.cwd(), 'dist', 'cli', 'main.js'))})`]).status === 0;
  testIf(nobodyCanRun, 'cannot run the CLI as nobody here (needs root, setpriv and a dist/ nobody can read)')('a user refused O_NOATIME is told on stderr before the scan', async () => {
    const root = path.join(base, 'noatime');
    mkdirSync(path.join(root, 'Windows', 'Temp'), { recursive: true, mode: 0o755 });
    writeFileSync(path.join(root, 'Windows', 'Temp', 'a.txt'), 'x', { mode: 0o644 });
    spawnSync('chmod', ['755', base, root]);
    const run = await runStagehunt(['scan', root, '-f', 'json'], { wrap: AS_NOBODY, timeoutMs: 60_000 });
    expect(run.status).toBe(0);
    expect(run.stderr.split('\n')[0]).toMatch(/warning: .*O_NOATIME is refused/);
  }, 60_000);
});
