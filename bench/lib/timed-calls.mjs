// The main thread's synchronous file-system calls and worker messages, timed call by call, for the
// rows of a CPU profile that name them: on this VM V8's sampling profiler can charge `read` with
// several times what the reads take (the findings-heavy tree `--hash none`: 2.33 s of `read` in its
// profile, 0.32-0.34 s timed here; tree-100k 0.47 s against 0.23-0.34 s), so a profile's system-call
// rows are checked here before they are believed (docs/performance.md "Session 42"). Loaded first:
//   node --import ./bench/lib/timed-calls.mjs bin/stagehunt.js scan TREE --scope all -q -f json -o /dev/null
// At exit it prints, to stderr, one line per call: how many, their time, bytes read, and how many
// took over 200 µs (mostly a collection, or the thread off its core, during the call).
// Worker threads inherit the option and time nothing (each thread has its own `fs`).
import fs from 'node:fs';
import { isMainThread, Worker } from 'node:worker_threads';

const SLOW_NS = 200_000n;

/** Per call name: count, nanoseconds, bytes, calls over SLOW_NS. */
const totals = new Map();

function timed(owner, name, label, countBytes) {
  const original = owner[name];
  if (typeof original !== 'function') return;
  const row = { calls: 0, ns: 0n, bytes: 0, slow: 0 };
  totals.set(label, row);
  owner[name] = function timedCall(...args) {
    const start = process.hrtime.bigint();
    const result = original.apply(this, args);
    const took = process.hrtime.bigint() - start;
    row.calls++;
    row.ns += took;
    if (took > SLOW_NS) row.slow++;
    if (countBytes && typeof result === 'number') row.bytes += result;
    return result;
  };
}

if (isMainThread) {
  timed(fs, 'readSync', 'fs.readSync', true);
  timed(fs, 'openSync', 'fs.openSync', false);
  timed(fs, 'fstatSync', 'fs.fstatSync', false);
  timed(fs, 'closeSync', 'fs.closeSync', false);
  // A worker's messages from this thread (not Node's own on its internal ports).
  timed(Worker.prototype, 'postMessage', 'Worker.postMessage', false);
  process.on('exit', () => {
    const lines = ['timed calls on the main thread (count, seconds, MB read, calls over 200 µs):'];
    for (const [label, row] of totals) {
      if (row.calls === 0) continue;
      const seconds = (Number(row.ns) / 1e9).toFixed(3);
      const mb = row.bytes > 0 ? ` ${(row.bytes / 1e6).toFixed(1)} MB` : '';
      lines.push(`  ${label} ${row.calls} ${seconds} s${mb} slow ${row.slow}`);
    }
    process.stderr.write(`${lines.join('\n')}\n`);
  });
}
