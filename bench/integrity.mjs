#!/usr/bin/env node
// Evidence integrity on the benchmark tree: snapshot (bytes via SHA-256, size, mode, mtime,
// atime) before and after a full scan; any difference is printed and the exit code is 1.
//   node bench/integrity.mjs [--tree /tmp/stagehunt-bench/tree-100k] [--stagehunt bin/stagehunt.js]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate-tree.mjs';
import { diffSnapshots, snapshotTree } from './lib/snapshot.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const arg = (name, def) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : def);
const tree = path.resolve(arg('--tree', '/tmp/stagehunt-bench/tree-100k'));
const bin = path.resolve(arg('--stagehunt', path.join(REPO, 'bin', 'stagehunt.js')));
if (!existsSync(tree)) generate({ out: tree, files: 100_000, uniform: 0, seed: 7401, force: false });

// Old atimes, so that on a relatime mount any ordinary read would move them.
spawnSync('sh', ['-c', `find "${tree}" -type f -print0 | xargs -0 touch -a -d 2025-01-01T00:00:00Z`]);
let t = Date.now();
const before = snapshotTree(tree);
process.stderr.write(`snapshot of ${before.size} entries in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
const out = mkdtempSync(path.join(os.tmpdir(), 'stagehunt-integrity-'));
t = Date.now();
const r = spawnSync(process.execPath, [bin, 'scan', tree, '--scope', 'all', '--format', 'json', '--quiet', '--output', path.join(out, 'report.json')], { stdio: 'inherit' });
process.stderr.write(`scan exit ${r.status} in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
const inside = spawnSync(process.execPath, [bin, 'scan', tree, '--format', 'json', '--output', path.join(tree, 'report.json')], { encoding: 'utf8' });
const after = snapshotTree(tree);
const diff = diffSnapshots(before, after);
rmSync(out, { recursive: true, force: true });
console.log(`entries: ${before.size}; differences after the scan: ${diff.length}; --output inside the root: exit ${inside.status}`);
for (const line of diff.slice(0, 50)) console.log(`  ${line}`);
process.exitCode = diff.length === 0 && r.status === 0 && inside.status === 2 ? 0 : 1;
