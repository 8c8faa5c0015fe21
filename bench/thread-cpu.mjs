#!/usr/bin/env node
// CPU time per thread of a command (Linux): polls /proc/PID/task/*/stat every 50 ms and prints each
// thread's user+system seconds in creation order, with the process total from getrusage. Node 20
// has no per-thread CPU API and names every thread "node": the main thread is the one whose id is
// the process id; V8's platform threads (GC, compiler) start next, libuv's pool after them, and
// worker threads (the --jobs pool, then the isolated worker) last, in the order they were started.
// The last 50 ms of each thread may be missed (the process line counts ended threads too).
//   node bench/thread-cpu.mjs -- node bin/stagehunt.js scan TREE --scope all --hash none -f json -o /dev/null --quiet --jobs 2
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const command = args[0] === '--' ? args.slice(1) : args;
if (command.length === 0) {
  console.error('usage: node bench/thread-cpu.mjs -- COMMAND [ARGS...]');
  process.exit(2);
}
const ticks = 100; // USER_HZ on Linux
const threads = new Map(); // tid -> { cpu, start }
let processCpu = 0;

/** utime + stime in seconds and the start time from a /proc stat line. */
function cpuOf(stat) {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3, utime 14, stime 15, starttime 22 (man 5 proc).
  return { cpu: (Number(fields[11]) + Number(fields[12])) / ticks, start: Number(fields[19]) };
}

function sample(pid) {
  try {
    processCpu = cpuOf(readFileSync(`/proc/${pid}/stat`, 'utf8')).cpu;
  } catch {
    return;
  }
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return;
  }
  for (const tid of tids) {
    try {
      threads.set(Number(tid), cpuOf(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')));
    } catch {
      // the thread ended between the listing and the read
    }
  }
}

const started = process.hrtime.bigint();
const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
const timer = setInterval(() => sample(child.pid), 50);
child.on('exit', (code) => {
  clearInterval(timer);
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const rows = [...threads.entries()].sort((a, b) => a[1].start - b[1].start || a[0] - b[0]);
  const seen = rows.reduce((sum, [, t]) => sum + t.cpu, 0);
  console.log(`exit ${code}, wall ${wall.toFixed(2)} s, process CPU ${processCpu.toFixed(2)} s, per thread ${seen.toFixed(2)} s`);
  for (const [tid, t] of rows) if (t.cpu > 0) console.log(`  ${tid === child.pid ? 'main' : String(tid).padStart(4)}  ${t.cpu.toFixed(2)} s`);
});
