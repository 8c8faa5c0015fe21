/** Shared by the hazard, integrity and fuzz tests: temp trees and the CLI run as a user would. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN } from '../helpers/cli.js';

export interface ScanJson {
  meta: { roots: Array<{ filesScanned: number; directories: number; symlinksSkipped: number; specialFilesSkipped: number; bytesRead: number }> };
  summary: { findings: number };
  findings: Array<{ path: string; level: string; score: number; reasons: Array<{ rule: string }> }>;
  errors: Array<{ path: string; op: string; code: string; message: string }>;
}

export interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

export function tempDir(label: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `stagehunt-${label}-`));
}

export function removeTree(dir: string): void {
  // Make everything removable first (permission tests leave 000 modes behind).
  spawnSync('chmod', ['-R', 'u+rwx', dir]);
  // rm(1) walks with openat, so paths longer than PATH_MAX go too (rmSync fails on them).
  if (spawnSync('rm', ['-rf', dir]).status !== 0) rmSync(dir, { recursive: true, force: true });
}

/** Runs the built CLI with a hard timeout (a blocked open would otherwise hang the suite). */
export function runStagehunt(args: string[], opts: { timeoutMs?: number; wrap?: string[]; cwd?: string } = {}): Promise<Run> {
  const started = Date.now();
  const argv = [...(opts.wrap ?? []), process.execPath, BIN, ...args];
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: Date.now() - started, timedOut });
    });
  });
}

/** scan --scope all --format json --min-level info; asserts it finished and parses the report. */
export async function scanJson(root: string, extra: string[] = [], opts: { timeoutMs?: number; wrap?: string[] } = {}): Promise<{ run: Run; report: ScanJson }> {
  const run = await runStagehunt(['scan', root, '--scope', 'all', '--format', 'json', '--min-level', 'info', '--quiet', ...extra], opts);
  if (run.timedOut || run.status !== 0) throw new Error(`scan did not complete (status ${run.status}, timedOut ${run.timedOut}): ${run.stderr.slice(0, 2000)}`);
  return { run, report: JSON.parse(run.stdout) as ScanJson };
}

export function errorsFor(report: ScanJson, pathPart: string): ScanJson['errors'] {
  return report.errors.filter((e) => e.path.includes(pathPart));
}

/** CPU seconds (user + system) and peak RSS (MB) of one CLI run, measured by GNU time(1). */
export interface Measured {
  run: Run;
  cpuSeconds: number;
  maxRssMb: number;
}

/** The budget every hostile case must meet (issue 18): a scan ends within 10 s and 300 MB. */
export const CASE_BUDGET = { cpuSeconds: 10, maxRssMb: 300 };

/**
 * Runs the CLI under /usr/bin/time so the bound is checked on CPU time (stable on a loaded
 * machine) and peak memory; the wall-clock timeout stays as the hard stop.
 */
export async function runMeasured(args: string[], opts: { timeoutMs?: number; cwd?: string } = {}): Promise<Measured> {
  const dir = tempDir('time');
  const out = path.join(dir, 'time.txt');
  try {
    const run = await runStagehunt(args, { ...opts, wrap: ['/usr/bin/time', '-f', '%U %S %M', '-o', out] });
    const [user, sys, rssKb] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    return { run, cpuSeconds: user! + sys!, maxRssMb: rssKb! / 1024 };
  } finally {
    removeTree(dir);
  }
}
