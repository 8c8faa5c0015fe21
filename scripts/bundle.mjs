#!/usr/bin/env node
/**
 * Run by `npm run build` after tsc: one esbuild bundle per entry point of the built CLI, in
 * dist/bundle/ (docs/architecture.md "Build", docs/performance.md "Start-up and per-file CPU").
 *
 * Node loads each ES module of dist/ on its own (resolve, read, compile, link: about 250 of them
 * for a scan); one minified file per entry cuts an empty root's start-up CPU by about half.
 * Entries: the CLI (bin/stagehunt.js loads dist/bundle/main.js) and every `new Worker(...)`
 * target, which the bundled code finds next to itself (`new URL('./NAME.js', import.meta.url)`):
 * the isolation worker (src/pipeline/isolate.ts), the inspection-pool worker (src/pipeline/pool.ts)
 * the read-ahead worker (src/evidence/read-ahead.ts) and the block-fetch worker
 * (src/evidence/image/container/block-fetch.ts).
 *
 * The bundles are ES modules, so import.meta.url is the bundle's own URL: the package root
 * (util/package-root.ts, which walks up to stagehunt's package.json) and the packages loaded with
 * createRequire (inner-tar.ts) resolve from dist/bundle/ as they do from dist/. regedit-rs
 * (native, Windows only, imported lazily) stays external. The CommonJS dependencies bundled into
 * an ES module call require() for Node's built-ins: the banner gives them one.
 *
 * Source maps (chained through tsc's maps to src/) are written beside each bundle; `--debug`
 * turns them on (bin/stagehunt.js) so stack traces name src/ files and lines.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const OUT = path.join(DIST, 'bundle');

/** Bundle name -> built entry module. Every `new Worker(new URL('./X.js', import.meta.url))` target must be here as X. */
export const ENTRIES = {
  main: 'cli/main.js',
  'start-up': 'cli/start-up.js',
  'isolate-worker': 'pipeline/isolate-worker.js',
  'pool-worker': 'pipeline/pool-worker.js',
  'read-ahead-worker': 'evidence/read-ahead-worker.js',
  'block-fetch-worker': 'evidence/image/container/block-fetch-worker.js',
};

/** A require() for the bundled CommonJS packages (esbuild's ESM output has none of its own). */
const BANNER = "import { createRequire as __shCreateRequire } from 'node:module'; const require = __shCreateRequire(import.meta.url);";

rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, path.join(DIST, file)])),
  outdir: OUT,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  sourcesContent: false,
  external: ['regedit-rs'],
  banner: { js: BANNER },
  logLevel: 'warning',
});
