/** Running the built CLI (bin/stagehunt.js) as a user would, and the demo image. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export const ROOT = process.cwd();
export const BIN = path.join(ROOT, 'bin', 'stagehunt.js');
export const DEMO_IMAGE = path.join(ROOT, 'fixtures', 'demo', 'image');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number; input?: string; cwd?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 256 * 1024 * 1024,
    input: opts.input ?? '',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export async function ensureDemoImage(): Promise<string> {
  const mod = (await import(path.join(ROOT, 'fixtures', 'demo', 'generate.mjs'))) as { generate(o?: { force?: boolean }): { path: string } };
  return mod.generate().path;
}

/**
 * Replaces what legitimately changes between runs: the clock (scan start/end, node version) and
 * file times the generator cannot set (birth and change times, which are "now").
 */
export function normalizeVolatile(text: string): string {
  return text.replace(/20(2[6-9]|[3-9]\d)-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?/g, '<now>').replace(/"node": "v[\d.]+"/g, '"node": "<node>"');
}
