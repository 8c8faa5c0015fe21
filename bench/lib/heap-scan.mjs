#!/usr/bin/env node
// A scan of ROOT as `stagehunt scan ROOT --scope all --format json` runs it, with the heap and RSS
// at each phase and a heap snapshot at the end of the walk (before correlation and scoring) and
// after the scan (the report held, before output); read them with bench/lib/heap-top.mjs.
//   node --expose-gc bench/lib/heap-scan.mjs ROOT [--hash none] [--out DIR] [--no-snapshots]
import { mkdirSync, openSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { scanAsCli } from './scan-as-cli.mjs';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const root = process.argv[2];
const arg = (name, dflt) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : dflt);
const hashMode = arg('--hash', 'findings');
const out = arg('--out', '/tmp/heap-scan');
const snapshots = !process.argv.includes('--no-snapshots');
if (!root) {
  process.stderr.write('usage: heap-scan.mjs ROOT [--hash none] [--out DIR] [--no-snapshots]\n');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const scanRoot = await scanAsCli(path.join(REPO, 'dist'));
const { jsonChunks } = await import(path.join(REPO, 'dist/report/json.js'));

const t0 = process.cpuUsage();
const line = (what) => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  const cpu = process.cpuUsage(t0);
  const spaces = getHeapSpaceStatistics().map((s) => `${s.space_name.replace('_space', '')} ${(s.space_size / 1048576).toFixed(0)}`).join(' ');
  process.stderr.write(`${what.padEnd(28)} rss ${(m.rss / 1048576).toFixed(0).padStart(4)} MB  heap ${(m.heapUsed / 1048576).toFixed(0).padStart(4)}/${(m.heapTotal / 1048576).toFixed(0)} MB (${spaces})  external ${(m.external / 1048576).toFixed(0).padStart(4)} MB  cpu ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s\n`);
};
const snapshot = (name) => {
  if (snapshots) process.stderr.write(`  snapshot ${writeHeapSnapshot(path.join(out, `${name}.heapsnapshot`))}\n`);
};
line('start');
// RSS sampled while the walk yields (every 50 ms): the peak and the files walked when it was reached.
let peak = { rss: 0, files: 0 };
let files = 0;
const sampler = setInterval(() => {
  const rss = process.memoryUsage.rss();
  if (rss > peak.rss) peak = { rss, files };
}, 100);
const report = await scanRoot(root, {
  hash: hashMode,
  ...(process.argv.includes('--no-isolation') ? { isolation: false } : {}),
  onProgress: (p) => {
    files = p.files;
    if (p.phase === 'walk') return;
    line(`phase ${p.phase}`);
    if (p.phase === 'correlate') snapshot('end-of-walk');
  },
});
line(`scanned (${report.findings.length} findings, ${report.timeline.length} rows)`);
snapshot('report');
const fd = openSync('/dev/null', 'w');
for (const chunk of jsonChunks(report)) writeSync(fd, chunk);
closeSync(fd);
line('written');
clearInterval(sampler);
process.stderr.write(`sampled peak rss ${(peak.rss / 1048576).toFixed(0)} MB at ${peak.files} files\n`);
