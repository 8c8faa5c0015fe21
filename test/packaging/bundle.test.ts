/**
 * The esbuild bundles (scripts/bundle.mjs, run by `npm run build`; issue 17, session 7): they
 * exist after a build, bin/stagehunt.js runs the CLI bundle, every worker the bundled code starts
 * is a bundle beside it, a scan through the bin equals the same scan through the unbundled
 * dist/cli/main.js (isolated artifacts and the --jobs pool included), and --debug stack traces
 * name src/ files through the source maps. The CLI's bundle runs with V8's code cache the build
 * made (src/cli/load-main.ts, session 34): V8 accepts it, and without it or with a damaged one the
 * CLI runs the same.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, DEMO_IMAGE, ensureDemoImage, ROOT } from '../helpers/cli.js';
import { testIf, toolAvailable } from '../helpers/corpus.js';

const BUNDLE = path.join(ROOT, 'dist', 'bundle');
const UNBUNDLED = path.join(ROOT, 'dist', 'cli', 'main.js');

function node(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 180_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** A JSON scan without what changes between runs (times, the command line). */
function scanJson(entry: string, extra: string[]): unknown {
  const r = node([entry, 'scan', DEMO_IMAGE, '--scope', 'all', '--format', 'json', '--quiet', ...extra]);
  expect([r.status, r.stderr]).toEqual([0, '']);
  return JSON.parse(r.stdout, (k, v: unknown) => (k === 'startedAt' || k === 'finishedAt' || k === 'command' ? undefined : v));
}

beforeAll(async () => {
  await ensureDemoImage();
  // A freshly generated image: the first listing of its folders sets their access times (relatime), which a scan reports.
  node([UNBUNDLED, 'scan', DEMO_IMAGE, '--scope', 'all', '--format', 'jsonl', '--quiet', '--hash', 'none']);
}, 240_000);

describe('the esbuild bundles', () => {
  test('npm run build wrote one bundle per entry point, with its source map; the bin imports only the start-up bundle, which runs the CLI bundle', () => {
    for (const name of ['main.cjs', 'start-up.js', 'isolate-worker.js', 'pool-worker.js', 'read-ahead-worker.js', 'block-fetch-worker.js']) {
      expect(existsSync(path.join(BUNDLE, name))).toBe(true);
      expect(existsSync(path.join(BUNDLE, `${name}.map`))).toBe(true);
    }
    const bin = readFileSync(BIN, 'utf8');
    expect(bin.split('\n').filter((l) => /\bimport\b/.test(l) && !l.startsWith('//'))).toEqual(["const startUp = await import('../dist/bundle/start-up.js');"]);
    expect(bin).toContain('startUp.runMain(debug);');
  });

  test('every worker the bundled code starts (new URL("./X.js", import.meta.url)) is a bundle beside it', () => {
    for (const name of ['main.cjs', 'isolate-worker.js', 'pool-worker.js']) {
      const code = readFileSync(path.join(BUNDLE, name), 'utf8');
      // main.cjs is CommonJS: its import.meta.url is __shMetaUrl, its own URL (scripts/bundle.mjs).
      const workers = [...code.matchAll(/new URL\("\.\/([\w-]+\.js)",\s*(?:import\.meta\.url|__shMetaUrl)\)/g)].map((m) => m[1]!);
      for (const file of workers) expect(existsSync(path.join(BUNDLE, file))).toBe(true);
      if (name === 'main.cjs') expect(workers.sort()).toEqual(['block-fetch-worker.js', 'isolate-worker.js', 'pool-worker.js', 'read-ahead-worker.js', 'yara-worker.js']);
    }
    const main = readFileSync(path.join(BUNDLE, 'main.cjs'), 'utf8');
    expect(main).toContain('"./isolate-worker.js"');
    expect(main).toContain('"./pool-worker.js"');
  });

  test('a scan through the bin equals the same scan through dist/cli/main.js (isolated hives and histories; --jobs 2; --hash none)', () => {
    const reference = scanJson(UNBUNDLED, []);
    expect((reference as { findings: unknown[] }).findings.length).toBeGreaterThan(10);
    expect(scanJson(BIN, [])).toEqual(reference);
    expect(scanJson(BIN, ['--jobs', '2'])).toEqual(scanJson(UNBUNDLED, ['--jobs', '2']));
    expect(scanJson(BIN, ['--hash', 'none'])).toEqual(scanJson(UNBUNDLED, ['--hash', 'none']));
  }, 240_000);

  test('--help and --version through the bin equal the unbundled CLI', () => {
    for (const args of [['--help'], ['scan', '--help'], ['--version'], ['rules']]) {
      const a = node([BIN, ...args]);
      expect(a.status).toBe(0);
      expect(a).toEqual(node([UNBUNDLED, ...args]));
    }
  });

  test('--debug: the stack trace of an error names src/ files (source maps)', () => {
    const r = node([BIN, 'scan', path.join(os.tmpdir(), 'stagehunt-no-such-root-4821'), '--debug']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/at .*src\/evidence\/root\.ts:\d+:\d+/);
    // Without --debug no stack and no source-map cost.
    expect(node([BIN, 'scan', path.join(os.tmpdir(), 'stagehunt-no-such-root-4821')]).stderr.trim().split('\n')).toHaveLength(1);
  });

  testIf(toolAvailable('strace'), 'strace is not installed')('the workers are started from the bundles: no module of dist/cli or dist/pipeline is opened', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sh-bundle-'));
    try {
      const trace = path.join(dir, 'trace');
      const r = spawnSync('strace', ['-f', '-e', 'trace=openat', '-o', trace, process.execPath, BIN, 'scan', DEMO_IMAGE, '--scope', 'all', '--jobs', '2', '--format', 'json', '--quiet', '-o', path.join(dir, 'out.json')], { encoding: 'utf8', timeout: 180_000 });
      expect(r.status).toBe(0);
      const opened = readFileSync(trace, 'utf8').split('\n').filter((l) => !l.includes('ENOENT'));
      const bundles = new Set(opened.map((l) => /dist\/bundle\/([\w-]+\.c?js)"/.exec(l)?.[1]).filter((x) => x));
      // start-up.js runs first; for scan it starts the read-ahead worker on standby, but not with --jobs 2, whose workers open their own files (src/cli/start-up.ts).
      expect([...bundles].sort()).toEqual(['isolate-worker.js', 'main.cjs', 'pool-worker.js', 'start-up.js']);
      expect(opened.filter((l) => /dist\/(cli|pipeline)\//.test(l))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);

  test('the code cache: the build made it from a scan, V8 accepts it, and main.cjs has no import() (vm.Script has no loader for one)', () => {
    const cache = path.join(BUNDLE, 'main.cjs.code-cache');
    // A scan's functions are in it, not only the top level's: about 1.4 MB against 0.8 MB for --version alone (docs/performance.md "Session 34").
    expect(readFileSync(cache).length).toBeGreaterThan(1_000_000);
    const check = node([path.join(ROOT, 'scripts', 'code-cache.mjs'), '--check']);
    expect([check.status, check.stderr]).toEqual([0, '']);
    expect(readFileSync(path.join(BUNDLE, 'main.cjs'), 'utf8')).not.toMatch(/\bimport\(/);
  });

  // V8 itself would abort on a damaged cache (its deserializer checks no checksum): load-main.ts checks a SHA-256 first.
  test('without the code cache, or with a damaged one, the CLI runs the same, and the loader says V8 did not take it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sh-code-cache-'));
    try {
      // A copy of the package's runnable parts, its cache then damaged or removed.
      cpSync(path.join(ROOT, 'bin'), path.join(dir, 'bin'), { recursive: true });
      cpSync(BUNDLE, path.join(dir, 'dist', 'bundle'), { recursive: true });
      cpSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
      for (const shared of ['node_modules', 'src']) symlinkSync(path.join(ROOT, shared), path.join(dir, shared));
      const bin = path.join(dir, 'bin', 'stagehunt.js');
      const cache = path.join(dir, 'dist', 'bundle', 'main.cjs.code-cache');
      const accepted = (): unknown => JSON.parse(node(['--input-type=module', '-e', `process.argv = [process.argv[0], 'stagehunt', '--version']; const s = await import(${JSON.stringify(path.join(dir, 'dist', 'bundle', 'start-up.js'))}); process.on('exit', () => { process.stdout.write(JSON.stringify(r.cacheAccepted)); }); const r = s.runMain();`]).stdout.replace(/^[\d.]+\n/, ''));
      expect(accepted()).toBe(true);
      const expected = [['--version'], ['rules']].map((args) => node([BIN, ...args]));
      const damaged = Buffer.from(readFileSync(cache));
      damaged.fill(0x41, 64, 4096);
      writeFileSync(cache, damaged);
      expect(accepted()).toBe(false);
      expect([['--version'], ['rules']].map((args) => node([bin, ...args]))).toEqual(expected);
      expect(scanJson(bin, ['--hash', 'none'])).toEqual(scanJson(BIN, ['--hash', 'none']));
      rmSync(cache);
      expect(accepted()).toBe(false);
      expect([['--version'], ['rules']].map((args) => node([bin, ...args]))).toEqual(expected);
      mkdirSync(cache);
      expect(node([bin, '--version'])).toEqual(expected[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
