/**
 * Isolated parsing (issue 18 item 13): an artifact that runs out of memory or time in the parser
 * worker gets an error entry and the rest of the scan is reported. The worker is the compiled
 * dist/pipeline/isolate-worker.js (npm test builds first), so the built pipeline is imported.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { removeTree, tempDir } from '../hazards/helpers.js';
import { tarHeaderBlock } from '../../fixtures/lib/hostile-inputs.mjs';
import { describeIf, DIST_MISSING } from '../helpers/corpus.js';

const WORKER = path.resolve('dist/pipeline/isolate-worker.js');
const built = existsSync(WORKER);
if (!built && process.env.CI === 'true') throw new Error(`${WORKER} is missing: run npm run build`);

interface MiniReport {
  summary: { findings: number };
  findings: Array<{ path: string; kind: string; root: string; line?: number }>;
  errors: Array<{ path: string; op: string; code: string; message: string }>;
}
type ScanFn = (o: Record<string, unknown>) => Promise<MiniReport>;

function pseudoRandom(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describeIf(built, DIST_MISSING)('isolated parsing', () => {
  let root: string;
  let small: string;
  let scan: ScanFn;

  beforeAll(async () => {
    scan = ((await import(path.resolve('dist/pipeline/scan.js'))) as { scan: ScanFn }).scan;
    root = tempDir('isolate');
    mkdirSync(path.join(root, 'Users', 'alice'), { recursive: true });
    mkdirSync(path.join(root, 'Users', 'bob'), { recursive: true });
    mkdirSync(path.join(root, 'Windows', 'Temp'), { recursive: true });
    // A large but ordinary tar (isolated by its ustar magic): 60,000 entries, whose listing is held
    // (a history no longer is: it is matched as it is read, so it cannot be the one to run out).
    const entries = Array.from({ length: 60_000 }, (_, i) => tarHeaderBlock(`Documents/projects/quarterly/report-${i}-final-version.docx`, 0));
    writeFileSync(path.join(root, 'Users', 'alice', 'stash.tar'), Buffer.concat([...entries, Buffer.alloc(1024)]));
    // A small history with one staging command, and a random blob: both findings.
    writeFileSync(path.join(root, 'Users', 'bob', '.bash_history'), 'cd /tmp\ntar czf /tmp/out.tgz /home/bob/Documents\n');
    writeFileSync(path.join(root, 'Windows', 'Temp', 'cache.dat'), pseudoRandom(64 * 1024, 0x1234567));
    small = tempDir('isolate-small');
    mkdirSync(path.join(small, 'Users', 'bob'), { recursive: true });
    mkdirSync(path.join(small, 'Windows', 'Temp'), { recursive: true });
    writeFileSync(path.join(small, 'Users', 'bob', '.bash_history'), 'cd /tmp\ntar czf /tmp/out.tgz /home/bob/Documents\n7z a -pSecret /tmp/x.7z /home/bob/Desktop\n');
    writeFileSync(path.join(small, 'Windows', 'Temp', 'cache.dat'), pseudoRandom(64 * 1024, 0x7654321));
  });
  afterAll(() => {
    removeTree(root);
    removeTree(small);
  });

  test('an artifact that needs more heap than the worker has gets an ENOMEM error entry; the rest is reported', async () => {
    const report = await scan({ roots: [root], os: 'auto', scope: 'all', isolation: { heapMb: 16 } });
    const alice = report.errors.filter((e) => e.path === 'Users/alice/stash.tar');
    expect(alice).toEqual([expect.objectContaining({ op: 'parse', code: 'ENOMEM', message: expect.stringContaining('16 MB') })]);
    // The small history still went through a fresh worker, and the blob through the main thread.
    expect(report.findings.some((f) => f.path === 'Users/bob/.bash_history' && f.kind === 'history')).toBe(true);
    expect(report.findings.some((f) => f.path === 'Windows/Temp/cache.dat')).toBe(true);
  }, 30_000);

  test('an artifact over the time budget is stopped with an ETIMEDOUT error entry; the rest is reported', async () => {
    const report = await scan({ roots: [root], os: 'auto', scope: 'all', isolation: { parseMs: 1 } });
    expect(report.errors.filter((e) => e.code === 'ETIMEDOUT').map((e) => e.path).sort()).toEqual(['Users/alice/stash.tar', 'Users/bob/.bash_history']);
    expect(report.findings.some((f) => f.path === 'Windows/Temp/cache.dat')).toBe(true);
  }, 30_000);

  test('several directory roots: the worker ended after the last walk (before scoring) leaves every root isolated and reported', async () => {
    // Two roots, each with histories for the worker: it serves the first root's walk and the last's, then is ended.
    const report = await scan({ roots: [small, root], os: 'auto', scope: 'all', now: () => new Date(0) });
    expect(report.errors).toEqual([]);
    // Each root's history went through the worker and gave its findings (one command in root, two in small).
    const histories = report.findings.filter((f) => f.path === 'Users/bob/.bash_history' && f.kind === 'history');
    expect(histories.filter((f) => f.root === root)).toHaveLength(1);
    expect(histories.filter((f) => f.root === small)).toHaveLength(2);
    const again = await scan({ roots: [root, small], os: 'auto', scope: 'all', now: () => new Date(0) });
    expect(again.findings.map((f) => f.path).sort()).toEqual(report.findings.map((f) => f.path).sort());
  }, 60_000);

  test('the walk goes on while the worker has files, and keeps everything in walk order: the report is the in-process one', async () => {
    // Twenty folders, each with a history for the worker among files this thread inspects (a random
    // blob, a damaged ZIP that warns), a large file for the worker by size: results come back while
    // later files are inspected, and must be kept (findings, errors, timeline) as a waiting walk keeps them.
    const mixed = tempDir('isolate-mixed');
    try {
      for (let i = 0; i < 20; i++) {
        const dir = path.join(mixed, 'Users', `u${String(i).padStart(2, '0')}`);
        mkdirSync(dir, { recursive: true });
        const staging = i % 3 === 0 ? `7z a -pS3cret /tmp/out${i}.7z /home/u${i}/Documents\n` : '';
        writeFileSync(path.join(dir, '.bash_history'), `cd /tmp\n${staging}${'ls -la\n'.repeat(200 * i)}`);
        writeFileSync(path.join(dir, 'a-blob.dat'), pseudoRandom(8 * 1024, 0x1000 + i));
        writeFileSync(path.join(dir, 'b-broken.zip'), Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), pseudoRandom(600, 0x2000 + i)]));
        writeFileSync(path.join(dir, 'c-notes.txt'), `notes of u${i}\n`);
      }
      mkdirSync(path.join(mixed, 'Windows', 'Temp'), { recursive: true });
      writeFileSync(path.join(mixed, 'Windows', 'Temp', 'big.dat'), pseudoRandom(5 * 1024 * 1024, 0x3000));
      writeFileSync(path.join(mixed, 'Windows', 'Temp', 'z-after.dat'), pseudoRandom(8 * 1024, 0x4000));
      const options = { roots: [mixed], os: 'auto', scope: 'all', now: () => new Date(0) };
      const isolated = (await scan(options)) as MiniReport & { timeline: unknown };
      const inProcess = (await scan({ ...options, isolation: false })) as MiniReport & { timeline: unknown };
      expect(isolated.findings.filter((f) => f.kind === 'history')).toHaveLength(7);
      expect(isolated.errors.length).toBeGreaterThanOrEqual(20);
      expect(JSON.stringify(isolated.findings)).toBe(JSON.stringify(inProcess.findings));
      expect(JSON.stringify(isolated.errors)).toBe(JSON.stringify(inProcess.errors));
      expect(JSON.stringify(isolated.timeline)).toBe(JSON.stringify(inProcess.timeline));
    } finally {
      removeTree(mixed);
    }
  }, 60_000);

  test('a history padded to hide a staging command is matched as it is read: found with a 32 MB worker heap', async () => {
    // 40 MB: 600,000 benign lines, the staging command among them. Read whole, the file, its text and
    // its lines took more than the worker's heap: "not parsed", and the command was not found.
    const padded = tempDir('isolate-padded');
    try {
      mkdirSync(path.join(padded, 'home', 'eve'), { recursive: true });
      const benign = 'ls -la /var/log/app && cat /etc/hosts | grep -v localhost\n';
      const half = benign.repeat(300_000);
      writeFileSync(path.join(padded, 'home', 'eve', '.bash_history'), `${half}7z a -pS3cret /tmp/.cache/out.7z /home/eve/Documents\n${half}`);
      const report = await scan({ roots: [padded], os: 'auto', scope: 'all', isolation: { heapMb: 32 } });
      expect(report.errors).toEqual([]);
      const found = report.findings.filter((f) => f.kind === 'history');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ path: 'home/eve/.bash_history', line: 300_001 });
    } finally {
      removeTree(padded);
    }
  }, 60_000);

  test('with the default limits every artifact is parsed, and the worker gives what the main thread gives', async () => {
    const isolated = await scan({ roots: [small], os: 'auto', scope: 'all', now: () => new Date(0) });
    const inProcess = await scan({ roots: [small], os: 'auto', scope: 'all', now: () => new Date(0), isolation: false });
    expect(isolated.errors).toEqual([]);
    expect(isolated.findings.some((f) => f.path === 'Users/bob/.bash_history' && f.kind === 'history')).toBe(true);
    expect(JSON.stringify(isolated.findings)).toBe(JSON.stringify(inProcess.findings));
  }, 30_000);
});
