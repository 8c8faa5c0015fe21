/**
 * Writing results: to stdout, or to --output FILE atomically (temp file beside it, renamed
 * at the end), never inside an evidence root, and never leaving a partial file that looks
 * complete when interrupted.
 */
import { closeSync, existsSync, fsyncSync, openSync, realpathSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { isInside } from '../evidence/root.js';
import { UsageError } from './errors.js';

/** Resolves the output path and refuses one inside any evidence root (checked on real paths). */
export function checkOutputPath(output: string, rootsAbs: string[]): string {
  const abs = path.resolve(output);
  const dir = path.dirname(abs);
  let realDir: string;
  try {
    realDir = realpathSync(dir);
  } catch {
    throw new UsageError(`cannot write output ${output}: directory ${dir} does not exist`);
  }
  const target = path.join(realDir, path.basename(abs));
  for (const root of rootsAbs) {
    if (isInside(root, target)) throw new UsageError(`refusing to write ${output} inside the evidence root ${root}: evidence is never written to`);
  }
  return target;
}

let pendingTemp: string | null = null;

function cleanupTemp(): void {
  if (pendingTemp && existsSync(pendingTemp)) {
    try {
      unlinkSync(pendingTemp);
    } catch {
      /* best effort */
    }
  }
  pendingTemp = null;
}

/** Reserves the temp file early so an unwritable destination fails before the scan starts. */
export function reserveOutput(target: string): void {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-stagehunt-${process.pid}`);
  try {
    closeSync(openSync(temp, 'wx', 0o644));
  } catch (err) {
    throw new UsageError(`cannot write output ${target}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  pendingTemp = temp;
}

export function commitOutput(target: string, text: string | Iterable<string>): void {
  const temp = pendingTemp ?? path.join(path.dirname(target), `.${path.basename(target)}.tmp-stagehunt-${process.pid}`);
  pendingTemp = temp;
  const fd = openSync(temp, 'w', 0o644);
  try {
    for (const chunk of typeof text === 'string' ? [text] : text) writeSync(fd, chunk);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, target);
  pendingTemp = null;
}

export function abandonOutput(): void {
  cleanupTemp();
}

/** Writes to stdout, chunk by chunk, waiting for it to drain (large outputs to a pipe). */
export async function writeStdout(text: string | Iterable<string>): Promise<void> {
  for (const chunk of typeof text === 'string' ? [text] : text) {
    if (!process.stdout.write(chunk)) await new Promise<void>((resolve) => process.stdout.once('drain', () => resolve()));
  }
}
