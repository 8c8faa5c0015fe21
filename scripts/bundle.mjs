#!/usr/bin/env node
/**
 * Run by `npm run build` after tsc: one esbuild bundle per entry point of the built CLI, in
 * dist/bundle/ (docs/architecture.md "Build", docs/performance.md "Start-up and per-file CPU").
 *
 * Node loads each ES module of dist/ on its own (resolve, read, compile, link: about 250 of them
 * for a scan); one minified file per entry cuts an empty root's start-up CPU by about half.
 * Entries: the start-up (src/cli/start-up.ts, which bin/stagehunt.js runs first), the CLI
 * (main.cjs, which the start-up's loader runs with its code cache: src/cli/load-main.ts) and every
 * `new Worker(...)` target, which the bundled code finds next to itself
 * (`new URL('./NAME.js', import.meta.url)`): the isolation worker (src/pipeline/isolate.ts), the
 * inspection-pool worker (src/pipeline/pool.ts), the read-ahead worker (src/evidence/read-ahead.ts)
 * the block-fetch worker (src/evidence/image/container/block-fetch.ts) and the YARA worker
 * (src/rules/yara/scanner.ts).
 *
 * The bundles other than main.cjs are ES modules, so import.meta.url is the bundle's own URL; in
 * main.cjs it is defined as its own file's URL. So the package root (util/package-root.ts, which
 * walks up to stagehunt's package.json) and the packages loaded with createRequire (inner-tar.ts)
 * resolve from dist/bundle/ as they do from dist/. regedit-rs (native, Windows only, imported
 * lazily) stays external. The CommonJS dependencies bundled into an ES module call require() for
 * Node's built-ins: the banner gives them one. Last, scripts/code-cache.mjs makes main.cjs's code
 * cache.
 *
 * Source maps (chained through tsc's maps to src/) are written beside each bundle; `--debug`
 * turns them on (bin/stagehunt.js) so stack traces name src/ files and lines.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const OUT = path.join(DIST, 'bundle');

/** Bundle name -> built entry module. Every `new Worker(new URL('./X.js', import.meta.url))` target must be here as X. */
export const ENTRIES = {
  'start-up': 'cli/start-up.js',
  'isolate-worker': 'pipeline/isolate-worker.js',
  'pool-worker': 'pipeline/pool-worker.js',
  'read-ahead-worker': 'evidence/read-ahead-worker.js',
  'block-fetch-worker': 'evidence/image/container/block-fetch-worker.js',
  'yara-worker': 'rules/yara/yara-worker.js',
};
/** The CLI itself, as CommonJS (main.cjs): V8's code cache is open to Node 20 only through vm.Script (src/cli/load-main.ts). */
export const MAIN_ENTRY = 'cli/main.js';

/** A require() for the bundled CommonJS packages (esbuild's ESM output has none of its own). */
const BANNER = "import { createRequire as __shCreateRequire } from 'node:module'; const require = __shCreateRequire(import.meta.url);";

const COMMON = { bundle: true, platform: 'node', target: 'node20', minify: true, sourcemap: 'linked', sourcesContent: false, external: ['regedit-rs'], logLevel: 'warning' };

rmSync(OUT, { recursive: true, force: true });
await build({
  ...COMMON,
  entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, path.join(DIST, file)])),
  outdir: OUT,
  format: 'esm',
  banner: { js: BANNER },
});
await build({
  ...COMMON,
  entryPoints: [path.join(DIST, MAIN_ENTRY)],
  outfile: path.join(OUT, 'main.cjs'),
  format: 'cjs',
  // Its modules' import.meta.url is the bundle's own URL, as in the ES module bundles: workers and the package root are found from dist/bundle/.
  define: { 'import.meta.url': '__shMetaUrl' },
  banner: { js: "var __shMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  // import() of a bundled module becomes a require: vm.Script has no loader for import() (src/cli/load-main.ts).
  supported: { 'dynamic-import': false },
});
// V8's code cache for main.cjs, made from a scan of the demo.
execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'code-cache.mjs')], { stdio: 'inherit' });
