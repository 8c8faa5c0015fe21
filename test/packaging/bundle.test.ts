/**
 * The esbuild bundles (scripts/bundle.mjs, run by `npm run build`; issue 17, session 7): they
 * exist after a build, bin/stagehunt.js runs the CLI bundle, every worker the bundled code starts
 * is a bundle beside it, a scan through the bin equals the same scan through the unbundled
 * dist/cli/main.js (isolated artifacts and the --jobs pool included), and --debug stack traces
 * name src/ files through the source maps.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
  test('npm run build wrote one bundle per entry point, with its source map; the bin imports the CLI bundle', () => {
    for (const name of ['main', 'isolate-worker', 'pool-worker']) {
      expect(existsSync(path.join(BUNDLE, `${name}.js`))).toBe(true);
      expect(existsSync(path.join(BUNDLE, `${name}.js.map`))).toBe(true);
    }
    const bin = readFileSync(BIN, 'utf8');
    expect(bin).toMatch(/import\('\.\.\/dist\/bundle\/main\.js'\)/);
    expect(bin.split('\n').filter((l) => /^\s*(import|await import)\b/.test(l))).toEqual(["await import('../dist/bundle/main.js');"]);
  });

  test('every worker the bundled code starts (new URL("./X.js", import.meta.url)) is a bundle beside it', () => {
    for (const name of ['main', 'isolate-worker', 'pool-worker']) {
      const code = readFileSync(path.join(BUNDLE, `${name}.js`), 'utf8');
      for (const m of code.matchAll(/new URL\("\.\/([\w-]+\.js)",\s*import\.meta\.url\)/g)) expect(existsSync(path.join(BUNDLE, m[1]!))).toBe(true);
    }
    const main = readFileSync(path.join(BUNDLE, 'main.js'), 'utf8');
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
      const bundles = new Set(opened.map((l) => /dist\/bundle\/([\w-]+\.js)"/.exec(l)?.[1]).filter((x) => x));
      // start-up.js runs first and starts the read-ahead worker on standby for scan (src/cli/start-up.ts; unused with --jobs 2, then ended).
      expect([...bundles].sort()).toEqual(['isolate-worker.js', 'main.js', 'pool-worker.js', 'read-ahead-worker.js', 'start-up.js']);
      expect(opened.filter((l) => /dist\/(cli|pipeline)\//.test(l))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
