#!/usr/bin/env node
/**
 * EVTX parse speed (issues 12 and 17): records per second and peak RSS of stagehunt's reader
 * (streamed from the file, one chunk in memory) against evtxexport (libevtx, C) and evtx_dump.py
 * (python-evtx), on the largest corpus log and on generated logs of --python-mb and --size-mb MB
 * (fixtures/lib/evtx-writer.mjs: two sizes, so that a memory that is flat shows as the same peak).
 * Every command runs under /usr/bin/time: CPU seconds (user + sys) decide the rate, since the
 * machine may be shared; wall time is printed next to it. python-evtx runs on the corpus log and on
 * the smaller generated log (within --python-timeout seconds; it is too slow for the large one).
 * Imports the built parser: run `npm run build` first.
 * Usage: node bench/evtx.mjs [--size-mb 200] [--python-mb 10] [--python-timeout 900] [--out results.json]
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { evtxFile, security4688 } from '../fixtures/lib/evtx-writer.mjs';
import { installed } from './lib/installed.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = process.env.STAGEHUNT_DIST ?? path.join(here, '..', 'dist');
const corpusEvtx = path.resolve(here, '..', '..', 'shared', 'corpus', 'evtx');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const sizeMb = Number(option('--size-mb', 200));
const pythonMb = Number(option('--python-mb', 10));
const pythonTimeoutS = Number(option('--python-timeout', 900));
const out = option('--out', null);

/** The child's side: read every record of one log, print the count. */
async function measureOwn(file) {
  const { readEvtx } = await import(pathToFileURL(path.join(dist, 'artifacts', 'evtx', 'parse.js')).href);
  const { fdSource } = await import(pathToFileURL(path.join(dist, 'evidence', 'reader.js')).href);
  const fd = openSync(file, 'r');
  const before = process.cpuUsage();
  let records = 0;
  for (const _ of readEvtx(fdSource(fd, statSync(file).size, file))) records++;
  const used = process.cpuUsage(before);
  closeSync(fd);
  console.log(JSON.stringify({ records, parseCpu: (used.user + used.system) / 1e6 }));
}

/** Where each reference tool comes from, for the line that says it is missing. */
const PACKAGE_OF = { evtxexport: 'libevtx-utils', 'evtx_dump.py': 'python3-evtx' };

/**
 * One command under /usr/bin/time: wall, CPU (user + sys) and peak RSS; `{ skipped }` with the
 * reason when it is not installed, failed or timed out (the reason is printed on stderr too).
 */
function timed(cmd, argv, { timeoutS = 0, keepStdout = false } = {}) {
  const skip = (reason) => {
    console.error(`${cmd} on ${path.basename(argv.at(-1))}: not measured, ${reason}`);
    return { skipped: reason };
  };
  if (cmd !== process.execPath && !installed(cmd)) return skip(`not installed (apt-get install ${PACKAGE_OF[cmd] ?? cmd})`);
  const tf = path.join(tmpdir(), `stagehunt-evtx-time-${process.pid}`);
  // The reference tools print every record: their output is discarded, never buffered here.
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', tf, cmd, ...argv], {
    stdio: ['ignore', keepStdout ? 'pipe' : 'ignore', 'ignore'], timeout: timeoutS * 1000 || undefined,
  });
  if (r.error?.code === 'ETIMEDOUT') return skip(`timed out after ${timeoutS} s (--python-timeout)`);
  if (r.error || r.status !== 0) return skip(r.error ? r.error.message : `exit code ${r.status ?? r.signal}`);
  const [wall, user, sys, rssKb] = readFileSync(tf, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  rmSync(tf, { force: true });
  return { wall, cpu: user + sys, rssMb: Math.round(rssKb / 1024), stdout: keepStdout ? r.stdout.toString() : '' };
}

function row(name, file, withPython) {
  const own = timed(process.execPath, [fileURLToPath(import.meta.url), '--measure', file], { keepStdout: true });
  if (own.skipped) throw new Error(`stagehunt failed on ${file}: ${own.skipped}`);
  const { records, parseCpu } = JSON.parse(own.stdout);
  // evtxexport writes every record as text; its output goes to a pipe that is drained and dropped.
  const lib = timed('evtxexport', ['-f', 'xml', file]);
  const py = withPython ? timed('evtx_dump.py', [file], { timeoutS: pythonTimeoutS }) : { skipped: 'not run on this size (too slow)' };
  const rate = (m) => (m.cpu > 0 ? Math.round(records / m.cpu) : null);
  const measured = (m) => (m.skipped ? m : { recordsPerCpuSecond: rate(m), cpu: m.cpu, wall: m.wall, peakRssMb: m.rssMb });
  const result = {
    log: name, mb: +(statSync(file).size / 1048576).toFixed(1), records, load: +loadavg()[0].toFixed(1),
    // CPU of the whole process (Node start-up and module loading included), and of the read loop alone.
    stagehunt: { recordsPerCpuSecond: rate(own), cpu: own.cpu, wall: own.wall, peakRssMb: own.rssMb, parseCpu, recordsPerParseCpuSecond: parseCpu > 0 ? Math.round(records / parseCpu) : null },
    evtxexport: measured(lib),
    python_evtx: measured(py),
    // Goals (issue 12): at least 10x python-evtx, within 2x of libevtx.
    timesFasterThanPython: py.skipped ? null : +(py.cpu / own.cpu).toFixed(1),
    timesSlowerThanLibevtx: lib.skipped ? null : +(own.cpu / lib.cpu).toFixed(2),
  };
  console.log(JSON.stringify(result));
  return result;
}

function largestCorpusLog() {
  const logs = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.evtx') && !/bad|corrupt|broken/i.test(e.name)) logs.push([statSync(p).size, p]);
    }
  };
  walk(corpusEvtx);
  logs.sort((a, b) => b[0] - a[0] || a[1].localeCompare(b[1]));
  return logs[0]?.[1] ?? null;
}

/** `count` process-creation (4688) records; each carries its template inline, the worst case for a reader. */
function securityEvents(count) {
  const t = Date.UTC(2025, 0, 1);
  const events = [];
  for (let i = 0; i < count; i++) {
    events.push(security4688({ recordId: i + 1, time: new Date(t + i * 1000), commandLine: `C:\\Windows\\System32\\cmd.exe /c echo ${i}`, newProcessName: 'C:\\Windows\\System32\\cmd.exe' }));
  }
  return events;
}

/** A generated Security log of about `mb` MB (the bytes per record measured on a small log first). */
function generatedLog(dir, mb) {
  const sample = 500;
  const bytesPerRecord = evtxFile(securityEvents(sample)).length / sample;
  const file = path.join(dir, `generated-${mb}mb.evtx`);
  writeFileSync(file, evtxFile(securityEvents(Math.max(1, Math.round((mb * 1048576) / bytesPerRecord)))));
  return file;
}

if (args[0] === '--measure') {
  await measureOwn(args[1]);
  process.exit(0);
}

const dir = mkdtempSync(path.join(tmpdir(), 'stagehunt-bench-evtx-'));
const results = [];
try {
  const corpusLog = largestCorpusLog();
  if (corpusLog) results.push(row(path.relative(corpusEvtx, corpusLog), corpusLog, true));
  results.push(row(`generated ${pythonMb} MB`, generatedLog(dir, pythonMb), true));
  results.push(row(`generated ${sizeMb} MB`, generatedLog(dir, sizeMb), false));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (out) writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
