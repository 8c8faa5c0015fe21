#!/usr/bin/env node
// The one-time costs of a scan, measured: every ROOT scanned in ONE process as `stagehunt scan ROOT
// --scope all --format json` scans it (the CLI's start-up settings, its options, the JSON written to
// /dev/null), first once each untimed but the first ("cold": V8 has optimised nothing yet), then in
// rounds, each root with the read-ahead worker (the default) and without it. A scan with the
// read-ahead worker takes one started on standby before it, untimed, as the CLI's scan takes the one
// bin/stagehunt.js starts before the CLI's bundle loads (src/cli/start-up.ts; docs/performance.md
// "Session 35"): so it pays what the CLI's scan pays of that worker (taking it, and the worker's own
// warm-up), not a start of its own. A warm scan without the read-ahead pays neither. So, for the
// bench's linearity rows (bench/run.mjs `warmRows`): the per-file cost of the warm scans is the
// scan's own, and warm with the worker minus warm without it is what the worker costs net of what it
// saves. Cold minus warm is V8's warm-up; the bench takes it from the CLI's own scans (medians of
// several processes) rather than from this process's single cold scan.
//   node bench/lib/warm-scans.mjs [--dist DIR] [--rounds N] ROOT...
// Prints one JSON line: { cold: {root, wall, cpu, findings, standby}, runs: {ROOT: {readAhead: [...], none: [...]}} }
// with each run's wall and CPU seconds, its number of findings and whether a read-ahead worker was
// on standby when it started.
import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { scanAsCli } from './scan-as-cli.mjs';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const argv = process.argv.slice(2);
const take = (name, dflt) => {
  const at = argv.indexOf(name);
  if (at < 0) return dflt;
  const [, value] = argv.splice(at, 2);
  return value;
};
const dist = path.resolve(take('--dist', path.join(REPO, 'dist')));
const rounds = Number(take('--rounds', '3'));
const roots = argv;
if (roots.length === 0 || !(Number.isInteger(rounds) && rounds >= 1)) {
  process.stderr.write('usage: warm-scans.mjs [--dist DIR] [--rounds N] ROOT...\n');
  process.exit(2);
}

// What the CLI does at start-up (src/cli/main.ts), in the same order, before it loads the scan.
const { lowerBackgroundThreads } = await import(path.join(dist, 'cli/thread-priority.js'));
const { limitHeapGrowth } = await import(path.join(dist, 'cli/heap-growth.js'));
const { holdYoungGeneration, keepYoungGenerationHeld } = await import(path.join(dist, 'util/young-generation.js'));
lowerBackgroundThreads();
limitHeapGrowth();
holdYoungGeneration();
const scanRoot = await scanAsCli(dist);
const { jsonChunks } = await import(path.join(dist, 'report/json.js'));
const { READ_AHEAD_WORKER_URL, startReadAheadStandby } = await import(path.join(dist, 'evidence/read-ahead-standby.js'));
const { onStandby, standbysStarted } = await import(path.join(dist, 'evidence/ahead-worker.js'));

/** About as long as the CLI takes to load its bundle, which the standby worker's start overlaps. */
const STANDBY_LEAD_MS = 150;

/**
 * What the CLI does for `scan` before the scan starts: the read-ahead worker started on standby
 * (src/cli/start-up.ts), its start overlapping the bundle's load, then (src/cli/main.ts) waited for
 * until it runs and the young generation held again (V8 set its growth back when it made the
 * worker's isolate).
 */
async function standbyAsCli() {
  startReadAheadStandby();
  await new Promise((resolve) => setTimeout(resolve, STANDBY_LEAD_MS));
  standbysStarted();
  keepYoungGenerationHeld();
}

/** One scan and its JSON report, timed; `readAhead` false: the walk opens every file itself. */
async function timedScan(root, readAhead) {
  if (readAhead) await standbyAsCli();
  const standby = onStandby(READ_AHEAD_WORKER_URL);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const report = await scanRoot(root, { readAhead });
  const fd = openSync('/dev/null', 'w');
  for (const chunk of jsonChunks(report)) writeSync(fd, chunk);
  closeSync(fd);
  const cpu = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6, findings: report.findings.length, standby };
}

const cold = { root: roots[0], ...(await timedScan(roots[0], true)) };
for (const root of roots.slice(1)) await timedScan(root, true);
const runs = Object.fromEntries(roots.map((r) => [r, { readAhead: [], none: [] }]));
for (let round = 0; round < rounds; round++) {
  for (const root of roots) {
    runs[root].readAhead.push(await timedScan(root, true));
    runs[root].none.push(await timedScan(root, false));
  }
}
process.stdout.write(`${JSON.stringify({ cold, runs })}\n`);
