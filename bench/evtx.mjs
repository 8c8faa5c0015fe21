#!/usr/bin/env node
/**
 * EVTX parse speed: records/s and peak RSS of stagehunt's reader (streamed from the file, one chunk
 * in memory) against evtxexport (libevtx) and evtx_dump.py (python-evtx), on the largest corpus log
 * and on a generated log of --size-mb MB (fixtures/lib/evtx-writer.mjs; python-evtx only on the
 * corpus log, it is too slow for the large one). Imports the built parser: run `npm run build` first.
 * Usage: node bench/evtx.mjs [--size-mb 200]
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { evtxFile, security4688 } from '../fixtures/lib/evtx-writer.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = process.env.STAGEHUNT_DIST ?? path.join(here, '..', 'dist');
const { readEvtx } = await import(pathToFileURL(path.join(dist, 'artifacts', 'evtx', 'parse.js')).href);
const { fdSource } = await import(pathToFileURL(path.join(dist, 'util', 'byte-source.js')).href);

const args = process.argv.slice(2);
const at = args.indexOf('--size-mb');
const sizeMb = at >= 0 ? Number(args[at + 1]) : 200;
const corpusLog = path.resolve(here, '..', '..', 'shared', 'corpus', 'evtx', 'velocidex-evtx', 'Security.evtx');

function ownRun(file) {
  const fd = openSync(file, 'r');
  let peak = process.memoryUsage().rss;
  const t0 = performance.now();
  let n = 0;
  for (const _ of readEvtx(fdSource(fd, statSync(file).size, file))) {
    if (++n % 5000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  const s = (performance.now() - t0) / 1000;
  closeSync(fd);
  return { records: n, seconds: s, peakRssMb: Math.round(Math.max(peak, process.memoryUsage().rss) / 1048576) };
}

function toolRun(cmd, argv) {
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { stdio: ['ignore', 'ignore', 'ignore'], maxBuffer: 1 });
  if (r.error) return null;
  return (performance.now() - t0) / 1000;
}

/** Measured in a child process, so the generator's buffers do not count in the peak RSS. */
function ownInChild(file) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--measure', file], { encoding: 'utf8' });
  return JSON.parse(r.stdout);
}

function row(name, file, withPython) {
  const own = ownInChild(file);
  const lib = toolRun('evtxexport', ['-f', 'xml', file]);
  const py = withPython ? toolRun('evtx_dump.py', [file]) : null;
  const rate = (s) => (s ? Math.round(own.records / s) : null);
  console.log(JSON.stringify({ log: name, mb: +(statSync(file).size / 1048576).toFixed(1), records: own.records, stagehunt: rate(own.seconds), evtxexport: rate(lib), python_evtx: rate(py), stagehuntPeakRssMb: own.peakRssMb }));
}

if (args[0] === '--measure') {
  console.log(JSON.stringify(ownRun(args[1])));
  process.exit(0);
}

const dir = mkdtempSync(path.join(tmpdir(), 'stagehunt-bench-evtx-'));
try {
  row('velocidex-evtx/Security.evtx', corpusLog, true);
  // ~1.2 KiB per generated record (each carries its template inline, the worst case for a reader).
  const perChunk = 50;
  const chunks = Math.max(1, Math.round((sizeMb * 1048576) / 65536));
  const big = path.join(dir, 'generated.evtx');
  const t = Date.UTC(2025, 0, 1);
  const events = [];
  for (let i = 0; i < chunks * perChunk; i++) events.push(security4688({ recordId: i + 1, time: new Date(t + i * 1000), commandLine: `C:\\Windows\\System32\\cmd.exe /c echo ${i}`, newProcessName: 'C:\\Windows\\System32\\cmd.exe' }));
  writeFileSync(big, evtxFile(events));
  events.length = 0;
  row(`generated ${sizeMb} MB`, big, false);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

