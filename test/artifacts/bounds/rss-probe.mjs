// Preloaded into the CLI by scan.test.ts (NODE_OPTIONS=--import): reports the peak resident set
// size and the CPU time (user + system) at exit, so the test can assert the 10 s / 300 MB bound
// of issue 18 without /usr/bin/time, and without wall-clock noise on a shared machine.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const u = process.resourceUsage();
  writeSync(2, `\nSTAGEHUNT_MAXRSS_KB=${u.maxRSS} STAGEHUNT_CPU_MS=${Math.round((u.userCPUTime + u.systemCPUTime) / 1000)}\n`);
});
