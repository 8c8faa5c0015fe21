#!/usr/bin/env node
/**
 * Run by scripts/bundle.mjs (`npm run build`): makes V8's code cache for the CLI's bundle
 * (dist/bundle/main.cjs.code-cache, read by src/cli/load-main.ts; docs/performance.md "Session 34").
 *
 * It runs what bin/stagehunt.js runs, in this process: a scan of the bundled demo
 * (fixtures/demo/image, generated first if missing), its report written to a temporary file. At
 * exit the bytecode of every function that scan compiled is serialised (load-main.ts
 * `writeMainCodeCache`), after the V8 flags the CLI set are set back to their defaults (V8 takes a
 * cache only under the flags it was made with: src/util/v8-flags.ts). Then a new process checks
 * that V8 accepts it; a rejected cache fails the build (a V8 flag set outside v8-flags.ts is the
 * likely cause).
 *
 * `node scripts/code-cache.mjs --check` is that check alone: `stagehunt --version` through the
 * loader, exit 1 when the cache was not accepted.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'stagehunt.js');
const DEMO = path.join(ROOT, 'fixtures', 'demo', 'image');

const startUp = await import(path.join(ROOT, 'dist', 'bundle', 'start-up.js'));

if (process.argv.includes('--check')) {
  process.argv = [process.execPath, BIN, '--version'];
  const { cacheAccepted } = startUp.runMain();
  process.on('exit', () => {
    if (!cacheAccepted) {
      process.stderr.write(`code-cache: V8 did not accept ${startUp.MAIN_CODE_CACHE} (a V8 flag set outside src/util/v8-flags.ts?)\n`);
      process.exitCode = 1;
    }
  });
} else {
  rmSync(startUp.MAIN_CODE_CACHE, { force: true });
  if (!existsSync(DEMO)) execFileSync(process.execPath, [path.join(ROOT, 'fixtures', 'demo', 'generate.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'stagehunt-code-cache-'));
  const args = ['scan', DEMO, '--scope', 'all', '--format', 'json', '--quiet', '--output', path.join(tmp, 'demo.json')];
  process.argv = [process.execPath, BIN, ...args];
  startUp.beforeLoad(args);
  const { script } = startUp.runMain();
  process.on('exit', () => {
    rmSync(tmp, { recursive: true, force: true });
    startUp.writeMainCodeCache(script);
    execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--check'], { stdio: ['ignore', 'ignore', 'inherit'] });
  });
}
