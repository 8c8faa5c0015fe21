// Preloaded into the CLI by scan.test.ts (NODE_OPTIONS=--import): reports the peak resident set
// size and the CPU time (user + system) at exit, so the test can assert the 10 s / 300 MB bound
// of issue 18 without /usr/bin/time, and without wall-clock noise on a shared machine.
//
// The peak comes from VmHWM in /proc/self/status, not from resourceUsage().maxRSS: Linux keeps
// ru_maxrss across execve, and the CLI is forked from a Jest worker, so maxRSS reported the
// worker's own peak (388 MB in a CI run where the scan itself peaked near 115 MB).
import { readFileSync, writeSync } from 'node:fs';

function peakRssKb() {
  try {
    const hwm = /^VmHWM:\s*(\d+)\s*kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]);
  } catch {
    // not Linux: fall through to getrusage (no execve inheritance to worry about there)
  }
  return process.resourceUsage().maxRSS;
}

process.on('exit', () => {
  const u = process.resourceUsage();
  writeSync(2, `\nSTAGEHUNT_MAXRSS_KB=${peakRssKb()} STAGEHUNT_CPU_MS=${Math.round((u.userCPUTime + u.systemCPUTime) / 1000)}\n`);
});
