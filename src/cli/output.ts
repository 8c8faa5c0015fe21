/**
 * Writing results: to stdout, or to --output FILE atomically (temp file beside it, renamed
 * at the end), never inside an evidence root, and never leaving a partial file that looks
 * complete when interrupted. Only a regular file or a new path is replaced that way; a
 * character device or FIFO is written directly, /dev/stdout is stdout, and anything else
 * (a symbolic link, a block device, a socket, a directory) is refused: a rename would replace it.
 */
import { fileErrorText } from '../util/errno.js';
import { closeSync, constants, existsSync, fsyncSync, lstatSync, openSync, realpathSync, renameSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import path from 'node:path';
import { isInside } from '../evidence/root.js';
import { escapeControls } from '../util/text.js';
import { UsageError } from './errors.js';

/**
 * Where output goes: `atomic` (a regular file or a new path: temp file + rename), `direct`
 * (a character device or FIFO, opened and written in place), `stdout`.
 */
export interface OutputTarget {
  path: string;
  mode: 'atomic' | 'direct' | 'stdout';
}

/** Names of this process's standard output: written to stdout itself, never opened or replaced. */
const STDOUT_NAMES = new Set(['/dev/stdout', '/dev/fd/1', '/proc/self/fd/1']);

function kindOf(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a directory';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** How `target` (real directory + name) may be written, or a one-line refusal. */
function modeFor(output: string, target: string): OutputTarget['mode'] {
  let st: Stats;
  try {
    st = lstatSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'atomic';
    throw new UsageError(`cannot write output ${escapeControls(output)}: ${fileErrorText(err)}`);
  }
  if (st.isFile()) return 'atomic';
  if (st.isCharacterDevice() || st.isFIFO()) return 'direct';
  throw new UsageError(
    `refusing to write ${escapeControls(output)}: it is ${kindOf(st)}, which would be replaced (write to a regular file, a new path, a character device, a FIFO or /dev/stdout)`,
  );
}

/**
 * Resolves the output path and refuses one inside any evidence root (checked by path segments
 * on real paths: a directory named `..x` inside a root is inside) or one that must not be replaced.
 */
export function checkOutputPath(output: string, rootsAbs: string[]): OutputTarget {
  const abs = path.resolve(output);
  if (STDOUT_NAMES.has(abs)) return { path: abs, mode: 'stdout' };
  const dir = path.dirname(abs);
  let realDir: string;
  try {
    realDir = realpathSync(dir);
  } catch {
    throw new UsageError(`cannot write output ${escapeControls(output)}: directory ${escapeControls(dir)} does not exist`);
  }
  const target = path.join(realDir, path.basename(abs));
  for (const root of rootsAbs) {
    if (isInside(realpathSync(root), target)) throw new UsageError(`refusing to write ${escapeControls(output)} inside the evidence root ${escapeControls(root)}: evidence is never written to`);
  }
  return { path: target, mode: modeFor(output, target) };
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
export function reserveOutput(output: OutputTarget): void {
  if (output.mode !== 'atomic') return;
  const target = output.path;
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-stagehunt-${process.pid}`);
  try {
    closeSync(openSync(temp, 'wx', 0o644));
  } catch (err) {
    throw new UsageError(`cannot write output ${target}: ${fileErrorText(err)}`);
  }
  pendingTemp = temp;
}

const WRITE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0);
const WRITE_IN_PLACE = constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NOCTTY ?? 0);

function writeAll(fd: number, text: string | Iterable<string>): void {
  for (const chunk of typeof text === 'string' ? [text] : text) writeSync(fd, chunk);
}

export async function commitOutput(output: OutputTarget, text: string | Iterable<string>): Promise<void> {
  const target = output.path;
  if (output.mode === 'stdout') return writeStdout(text);
  if (output.mode === 'direct') {
    // A device or FIFO: written where it is (a FIFO waits for its reader), never replaced.
    const fd = openSync(target, WRITE_IN_PLACE);
    try {
      const st = lstatSync(target);
      if (!st.isCharacterDevice() && !st.isFIFO()) throw new UsageError(`refusing to write ${escapeControls(target)}: it changed to ${kindOf(st)} since it was checked`);
      writeAll(fd, text);
    } finally {
      closeSync(fd);
    }
    return;
  }
  const temp = pendingTemp ?? path.join(path.dirname(target), `.${path.basename(target)}.tmp-stagehunt-${process.pid}`);
  pendingTemp = temp;
  const fd = openSync(temp, WRITE_NEW, 0o644);
  try {
    writeAll(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // Checked again just before the rename: it replaces whatever is at `target` by then.
  if (modeFor(target, target) !== 'atomic') throw new UsageError(`refusing to write ${escapeControls(target)}: it changed to a device or FIFO since it was checked`);
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
