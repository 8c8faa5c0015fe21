#!/usr/bin/env node
// The benchmark (docs/performance.md): stagehunt `scan --scope all` side by side with the walk
// floor (find), the read floor (first 4 KiB of every file: a small C program, and xargs head),
// and `file --mime-type`, on generated staging-like trees, warm cache, median of N runs.
//
//   npm run bench                                   # 10k, 100k and 100k-findings trees, 3 runs each
//   node bench/run.mjs --trees 10k,100k,1m --runs 3 --dir /tmp/stagehunt-bench --stagehunt dist/cli/main.js
//   node bench/run.mjs --trees 10k-findings,100k-findings   # the findings-heavy trees (issue 17), also with --hash none
//
// Wall, user+sys CPU and peak RSS come from /usr/bin/time (apt-get install time).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate-tree.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TREES = {
  '10k': { files: 10_000, uniform: 0 },
  '100k': { files: 100_000, uniform: 0 },
  '1m': { files: 1_000_000, uniform: 1024 },
  // Heavy in staging-like content and a Recycle Bin of thousands of records: about 35 % findings.
  '10k-findings': { files: 10_000, uniform: 0, profile: 'findings' },
  '100k-findings': { files: 100_000, uniform: 0, profile: 'findings' },
};

function parseArgs(argv) {
  const a = { trees: ['10k', '100k', '100k-findings'], runs: 3, dir: '/tmp/stagehunt-bench', stagehunt: path.join(REPO, 'bin', 'stagehunt.js'), file: true, out: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--trees') a.trees = argv[++i].split(',');
    else if (k === '--runs') a.runs = Number(argv[++i]);
    else if (k === '--dir') a.dir = path.resolve(argv[++i]);
    else if (k === '--stagehunt') a.stagehunt = path.resolve(argv[++i]);
    else if (k === '--no-file') a.file = false;
    else if (k === '--out') a.out = path.resolve(argv[++i]);
    else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

/** One timed run through /usr/bin/time: wall and CPU seconds, peak RSS (KB) of the process tree's largest member. */
function timed(cmd, args) {
  const tf = path.join(opts.dir, '.time.out');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', tf, cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.toString().slice(-500)}`);
  const [wall, user, sys, rss] = readFileSync(tf, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: user + sys, rssMb: rss / 1024 };
}

function median(runs) {
  const pick = (k) => [...runs.map((r) => r[k])].sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  return { wall: pick('wall'), cpu: pick('cpu'), rssMb: Math.max(...runs.map((r) => r.rssMb)), runs: runs.length };
}

function measure(label, cmd, args, runs) {
  const all = [];
  for (let i = 0; i < runs; i++) all.push(timed(cmd, args));
  const m = median(all);
  process.stderr.write(`  ${label.padEnd(34)} wall ${m.wall.toFixed(2)} s  cpu ${m.cpu.toFixed(2)} s  rss ${m.rssMb.toFixed(0)} MB  (${all.map((r) => r.wall.toFixed(2)).join(', ')})\n`);
  return { label, ...m };
}

function readFloorBinary() {
  const bin = path.join(opts.dir, 'readfloor');
  if (existsSync(bin)) return bin;
  const r = spawnSync('cc', ['-O2', '-o', bin, path.join(REPO, 'bench', 'c', 'readfloor.c')]);
  return r.status === 0 ? bin : null;
}

function hasTool(t) {
  return spawnSync('sh', ['-c', `command -v ${t}`]).status === 0;
}

const opts = parseArgs(process.argv.slice(2));
mkdirSync(opts.dir, { recursive: true });
if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is missing: apt-get install time');
const free = statfsSync(opts.dir);
process.stderr.write(`bench: ${opts.dir} has ${((free.bavail * free.bsize) / 2 ** 30).toFixed(0)} GiB free; stagehunt = ${opts.stagehunt}\n`);

const results = [];
for (const name of opts.trees) {
  const spec = TREES[name];
  if (!spec) throw new Error(`unknown tree ${name} (${Object.keys(TREES).join(', ')})`);
  const root = path.join(opts.dir, `tree-${name}`);
  const manifest = generate({ out: root, files: spec.files, uniform: spec.uniform, seed: 7401, force: false, profile: spec.profile ?? 'mixed' });
  process.stderr.write(`tree ${name}: ${manifest.files} files, ${(manifest.bytes / 2 ** 30).toFixed(2)} GiB\n`);
  // Warm the cache with every byte once, so every tool sees the same warm state.
  spawnSync('sh', ['-c', `find "${root}" -type f -print0 | xargs -0 cat > /dev/null`]);
  const report = path.join(opts.dir, `report-${name}.json`);
  const row = { tree: name, files: manifest.files, bytes: manifest.bytes, tools: [] };
  row.tools.push(measure('find -type f (walk floor)', 'sh', ['-c', `find "${root}" -type f > /dev/null`], opts.runs));
  const floor = readFloorBinary();
  if (floor) row.tools.push(measure('C walk + 4 KiB pread (read floor)', floor, [root], opts.runs));
  row.tools.push(measure('xargs head -c 4096 (read floor, sh)', 'sh', ['-c', `find "${root}" -type f -print0 | xargs -0 head -q -c 4096 > /dev/null`], opts.runs));
  row.tools.push(measure('node: sync walk + open/fstat/4 KiB read', process.execPath, [path.join(REPO, 'bench', 'lib', 'node-floor.mjs'), root], opts.runs));
  if (opts.file && hasTool('file') && spec.files <= 100_000) row.tools.push(measure('file --mime-type (libmagic)', 'sh', ['-c', `find "${root}" -type f -print0 | xargs -0 file --mime-type > /dev/null`], 1));
  // The 1,000,000-file tree is for peak RSS and linearity: one run is enough.
  const runs = spec.files > 100_000 ? 1 : opts.runs;
  // Findings-heavy trees: without hashing too, so the scan is compared with the floors on equal terms.
  if (spec.profile === 'findings') row.tools.push(measure('stagehunt scan --scope all --hash none', process.execPath, [opts.stagehunt, 'scan', root, '--scope', 'all', '--hash', 'none', '--format', 'json', '--quiet', '--output', report], runs));
  row.tools.push(measure('stagehunt scan --scope all', process.execPath, [opts.stagehunt, 'scan', root, '--scope', 'all', '--format', 'json', '--quiet', '--output', report], runs));
  const rep = JSON.parse(readFileSync(report, 'utf8'));
  row.findings = rep.summary.findings;
  row.errors = rep.errors.length;
  rmSync(report, { force: true });
  results.push(row);
}

function table() {
  const lines = [];
  for (const row of results) {
    const sh = row.tools.find((t) => t.label === 'stagehunt scan --scope all');
    lines.push(`\n**tree ${row.tree}**: ${row.files.toLocaleString('en-US')} files, ${(row.bytes / 2 ** 30).toFixed(2)} GiB; stagehunt: ${row.findings} findings, ${row.errors} errors\n`);
    lines.push('| tool | wall s | CPU s (user+sys) | files/s | MB/s of tree | peak RSS MB | stagehunt / tool (wall) | stagehunt / tool (CPU) |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const t of row.tools) {
      const ratio = (a, b) => (b > 0 ? (a / b).toFixed(2) : '-');
      lines.push(`| ${t.label} | ${t.wall.toFixed(2)} | ${t.cpu.toFixed(2)} | ${Math.round(row.files / Math.max(t.wall, 0.01)).toLocaleString('en-US')} | ${(row.bytes / 1048576 / Math.max(t.wall, 0.01)).toFixed(0)} | ${t.rssMb.toFixed(0)} | ${t === sh ? '1' : ratio(sh.wall, t.wall)} | ${t === sh ? '1' : ratio(sh.cpu, t.cpu)} |`);
    }
  }
  const small = results.find((r) => r.tree === '10k');
  const big = results.find((r) => r.tree === '100k');
  const per = (r) => r.tools.find((t) => t.label === 'stagehunt scan --scope all').wall / r.files;
  if (small && big) lines.push(`\nLinearity: stagehunt wall per file at 100k / at 10k = ${(per(big) / per(small)).toFixed(2)} (1.00 = linear).`);
  return lines.join('\n');
}

const md = `Benchmark ${new Date().toISOString()} on ${spawnSync('nproc').stdout.toString().trim()} cores, node ${process.version}, warm cache, median of ${opts.runs} runs (file: 1 run)\n${table()}\n`;
console.log(md);
const out = opts.out ?? path.join(REPO, 'bench', 'out', `results-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, md);
process.stderr.write(`written to ${out}\n`);
